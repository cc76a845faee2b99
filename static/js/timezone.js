// Every page (templates/base.html): tell the server the browser's time zone, so times read in the reader's
// zone (accounts.middleware.ShopperTimeZoneMiddleware checks the name against the zones it knows). Set only
// when it changed; the next page uses it (this one was rendered in the zone known before, and says which).
(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone || !/^[A-Za-z0-9_\/+\-]{1,64}$/.test(zone)) { return; }  // an IANA name, as a plain cookie value
  var name = "shopper_tz";
  var current = document.cookie.split("; ").filter(function (c) { return c.indexOf(name + "=") === 0; })[0];
  if (current && current.slice(name.length + 1) === zone) { return; }
  var secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = name + "=" + zone + "; path=/; max-age=31536000; SameSite=Lax" + secure;
})();
