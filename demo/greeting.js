// Change this line and save: devreload restarts the demo server.
export const greeting = 'Hello from devreload!';
