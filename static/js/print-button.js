// Buttons marked data-print print the page (the credit memo's print page in admin).
document.querySelectorAll("button[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
