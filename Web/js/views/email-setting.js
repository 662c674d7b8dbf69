// "Email me about unread messages, when I am away", in the profile: saved as soon as it is
// chosen (it is no part of the profile others see), shown as the server has it.

export function renderEmailSetting(state, { save, onError }) {
  const select = document.getElementById("email-notifications");

  function draw() {
    select.value = state.me?.emailNotifications ?? "digest";
  }

  select.addEventListener("change", async () => {
    select.disabled = true;
    try {
      state.userUpdated(await save(select.value));
    } catch (error) {
      onError(error);
      draw();
    } finally {
      select.disabled = false;
    }
  });
  state.on("me", draw);
  draw();
}
