// The webview bundle's entry (browser). It talks to the host only through src/protocol.
document.body.dataset.codecompanion = 'ready';
