// The analytics pages' filter bars kept in the URL query string (see pages/filter_bar.py and
// app/filter_state.py, which reads the same format back): ?window=1h&symbols=EURUSD,GBPUSD.
// history.replaceState changes the address without a reload or a history entry per change.
(function () {
  "use strict";

  function encode(value) {
    return encodeURIComponent(value).replace(/%3A/gi, ":").replace(/%2F/gi, "/");
  }

  function query(fields, values) {
    var parts = [];
    fields.forEach(function (field, i) {
      var value = values[i];
      if (Array.isArray(value)) {
        if (value.length) {
          parts.push(field + "=" + value.map(encode).join(","));
        }
      } else if (value !== null && value !== undefined && value !== "") {
        parts.push(field + "=" + encode(value));
      }
    });
    return parts.join("&");
  }

  window.tdFilters = {
    query: query,
    sync: function (fields, values) {
      var search = query(fields, values);
      var url = window.location.pathname + (search ? "?" + search : "");
      if (url !== window.location.pathname + window.location.search) {
        window.history.replaceState(window.history.state, "", url);
      }
      return url;
    },
  };
})();
