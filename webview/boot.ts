// Imported first by main.ts: marks when the bundle began to run (before its other modules), for the panel's start-up timing.
performance.mark('cc-script');
