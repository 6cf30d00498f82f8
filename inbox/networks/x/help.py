"""What the X package registers without loading its adapter and oauth (which import httpx)."""

POLL_INTERVAL = 15 * 60.0  # the adapter's default

DEFAULT_PORT = 8723
OWN_APP_HELP = (
    "<p>X lets each team use <b>its own app</b>: in the <i>X Developer Portal → Projects &amp; "
    "Apps</i>, open your app's <i>User authentication settings</i>, choose <b>Native App</b> "
    "(or Web App for a client with a secret), allow <b>Read and write and Direct message</b>, "
    f"and set the callback URI to <code>http://127.0.0.1:{DEFAULT_PORT}/callback</code>. "
    "Copy its <b>OAuth 2.0 Client ID</b> here.</p>"
)
