"""The server-rendered sign-in pages (Jinja, autoescaped: Flask escapes every
``render_template_string`` variable). Kept as strings so they ship inside the wheel."""

from __future__ import annotations

_HEAD = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{ title }} · TradeDash</title>
  <link rel="stylesheet" href="{{ login_css }}">
</head>
<body class="login-page">
<main class="login-card">
  <h1 class="login-brand">TradeDash</h1>
"""

_TAIL = """</main>
</body>
</html>
"""

LOGIN = (
    _HEAD
    + """  <p class="login-lead">Sign in to continue</p>
  {% if error %}<p class="login-error" role="alert">{{ error }}</p>{% endif %}
  <form method="post" action="{{ url_for('auth.login') }}">
    <input type="hidden" name="csrf_token" value="{{ csrf_token }}">
    <input type="hidden" name="next" value="{{ next_path }}">
    <label for="email">E-mail</label>
    <input id="email" name="email" type="email" autocomplete="username"
           value="{{ email }}" required autofocus>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password"
           required>
    <label class="login-remember">
      <input type="checkbox" name="remember" value="1"{% if remember %} checked{% endif %}>
      Keep me signed in on this device
    </label>
    <button type="submit">Sign in</button>
  </form>
"""
    + _TAIL
)

LOGOUT = (
    _HEAD
    + """  <p class="login-lead">Signed in as {{ name }}</p>
  <form method="post" action="{{ url_for('auth.logout') }}">
    <input type="hidden" name="csrf_token" value="{{ csrf_token }}">
    <button type="submit">Sign out</button>
  </form>
  <p class="login-back"><a href="/">Back to the dashboard</a></p>
"""
    + _TAIL
)
