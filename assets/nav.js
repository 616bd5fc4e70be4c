// Marks the navigation entry of the page on screen. Dash's router changes the URL without a
// reload, so the check runs whenever the path changes rather than once.
(function () {
  "use strict";
  var shown = null;

  function covers(element, path) {
    var paths = (element.getAttribute("data-paths") || "").split(" ");
    return paths.indexOf(path) !== -1;
  }

  function mark() {
    var path = window.location.pathname;
    if (path === shown && document.querySelector(".topnav .active")) {
      return;
    }
    shown = path;
    document.querySelectorAll(".topnav [data-paths]").forEach(function (element) {
      element.classList.toggle("active", covers(element, path));
    });
    document.querySelectorAll(".topnav .nav-account-link").forEach(function (link) {
      link.classList.toggle("active", link.getAttribute("href") === path);
    });
  }

  window.setInterval(mark, 250);
})();
