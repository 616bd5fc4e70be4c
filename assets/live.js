// Live updates pushed by the server (tradedash/live_stream.py, Server-Sent Events behind the
// sign-in) into the page's stores: each batch of deltas goes to the "<page>-live" store, which
// the page's callbacks take as an input (the page then patches its figures), and "up" /
// "down" to "<page>-live-status", which switches the page's dcc.Interval between a slow safety
// net and normal polling. The stream is opened only while a page that wants it is on screen,
// and reopened after a failure (EventSource gives up on an HTTP error such as 401 or 503).
(function () {
  "use strict";
  var STREAM = "/_live/stream";
  var BADGE = "-live-badge";
  var RETRY_MS = 5000;
  var source = null;
  var page = null;
  var failedAt = 0;

  function setProps(id, props) {
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props(id, props);
    }
  }

  // The page on screen that wants updates: the prefix of its badge's id (pages/live.py).
  function wantedPage() {
    var badge = document.querySelector('.live-badge[id$="' + BADGE + '"]');
    return badge ? badge.id.slice(0, -BADGE.length) : null;
  }

  function status(value) {
    if (page) {
      setProps(page + "-live-status", {data: value});
    }
  }

  function close() {
    if (source) {
      source.close();
      source = null;
    }
  }

  function open(name) {
    page = name;
    source = new EventSource(STREAM);
    source.addEventListener("hello", function () { status("up"); });
    source.addEventListener("delta", function (message) {
      var delta = JSON.parse(message.data);
      delta.received = Date.now();
      setProps(page + "-live", {data: delta});
    });
    source.onerror = function () {
      status("down");
      if (source && source.readyState === EventSource.CLOSED) {
        close();
        failedAt = Date.now();
      }
    };
  }

  function check() {
    var wanted = wantedPage();
    if (wanted !== page || !wanted) {
      close();
      page = wanted;
      if (wanted) {
        status("down");
      }
    }
    if (wanted && !source && Date.now() - failedAt >= RETRY_MS) {
      open(wanted);
    }
  }

  window.setInterval(check, 500);
})();
