// Puts the `dark` class on <html> before the page is painted, so it must be
// loaded blocking in <head> (a file, as the CSP forbids inline scripts).
// A choice stored by the theme toggle ('dark' | 'light') wins; without one the
// page follows the system setting, also when it changes.
(function () {
  'use strict';
  var root = document.documentElement;
  var system = window.matchMedia('(prefers-color-scheme: dark)');

  function stored() {
    try {
      var choice = localStorage.getItem('djcrm-theme');
      return choice === 'dark' || choice === 'light' ? choice : null;
    } catch (e) {
      return null; // storage disabled (privacy settings, sandboxed frame)
    }
  }

  function apply() {
    var choice = stored();
    root.classList.toggle('dark', choice ? choice === 'dark' : system.matches);
  }

  apply();
  system.addEventListener('change', function () {
    if (!stored()) apply();
  });
})();
