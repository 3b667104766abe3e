# devreload --prestart: stands in for the real sitecustomize while a Python spare boots (see python-park.py).
