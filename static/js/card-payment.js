// Checkout and the Pay now page with Stripe: Stripe.js takes the card, and only its id is posted to us.
// The server creates and confirms the payment; when the bank asks the shopper to confirm it (3-D Secure),
// the page comes back with data-client-secret, Stripe.js shows the bank's step, and the form is posted
// again so that the server asks Stripe how it went (never taking this page's word for it).
(function () {
  var box = document.querySelector("[data-card-payment][data-key]");
  if (!box || typeof Stripe === "undefined") return;
  var form = box.closest("form");
  var stripe = Stripe(box.dataset.key);
  var method = form.querySelector("input[name=payment_method]");
  var errors = box.querySelector("[data-card-errors]");

  function post(submitter) {
    if (form.requestSubmit) form.requestSubmit(submitter || undefined);
    else form.submit();
  }

  if (box.dataset.clientSecret) {
    // The bank's step; whatever the shopper answers there, the server reads the outcome from Stripe.
    stripe.confirmCardPayment(box.dataset.clientSecret).then(function () { form.submit(); });
    return;
  }

  var card = stripe.elements({ locale: document.documentElement.lang || "auto" }).create("card");
  var ready = false;
  card.mount(box.querySelector("[data-card-element]"));

  function cardId() {
    // Stripe.js makes a PaymentMethod; localstripe's stand-in (tests, local runs) only makes tokens.
    var made = stripe.createPaymentMethod({ type: "card", card: card });
    return Promise.resolve(made).then(function (result) {
      if (result && result.paymentMethod) return { id: result.paymentMethod.id };
      if (result && result.error) return { error: result.error };
      return stripe.createToken(card).then(function (token) {
        return token.token ? { id: token.token.id } : { error: token.error || {} };
      });
    });
  }

  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (ready || (submitter && submitter.value === "quote")) return; // the total only: no card needed
    event.preventDefault();
    errors.textContent = "";
    cardId().then(function (result) {
      var credit = form.querySelector("input[name=use_store_credit]");
      if (result.id) {
        method.value = result.id;
      } else if (!(credit && credit.checked)) {
        // Store credit may cover it all: then the server says whether a card was needed.
        errors.textContent = (result.error && result.error.message) || "";
        return;
      }
      ready = true;
      post(submitter);
    });
  });
})();
