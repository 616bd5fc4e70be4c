// Marks the navigation entry of the page on screen, and opens the folded links on a phone. Dash's router changes the URL without a
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

  // On a phone the links fold behind the toggler (assets/base.css); a link followed closes them.
  document.addEventListener("click", function (event) {
    var nav = document.getElementById("topnav");
    if (!nav) {
      return;
    }
    var toggler = event.target.closest("#nav-toggler");
    var open = toggler ? !nav.classList.contains("nav-open") : false;
    if (toggler || event.target.closest("#topnav a[href]:not(.dropdown-toggle)")) {
      nav.classList.toggle("nav-open", open);
      document.getElementById("nav-toggler").setAttribute("aria-expanded", String(open));
    }
  });
})();
