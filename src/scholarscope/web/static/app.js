// Filter forms apply as soon as a menu changes (the Apply button stays for keyboards
// and for browsers without JavaScript).
document.querySelectorAll("form[data-autosubmit] select").forEach((menu) => {
  menu.addEventListener("change", () => menu.form.submit());
});
