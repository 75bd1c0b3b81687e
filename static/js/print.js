// A link marked data-print prints the page. A file of its own, because the
// Content-Security-Policy (core/web/security_headers.py) runs no inline script.
document.addEventListener("click", function (event) {
  var link = event.target.closest("[data-print]");
  if (link) {
    event.preventDefault();
    window.print();
  }
});
