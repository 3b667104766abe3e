# devreload --prestart: stands in for the real usercustomize while a Python spare boots (see python-park.py).
