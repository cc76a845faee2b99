// The edit page (editing/templates/editing/edit.html), nicer with JavaScript: steppers and size pickers
// in a form[data-autosubmit] apply as soon as they change. Without it, their buttons do the same.
document.querySelectorAll("form[data-autosubmit] select, form[data-autosubmit] input[type=number]").forEach(function (el) {
  el.addEventListener("change", function () { el.form.requestSubmit(); });
});
