// The REST API: JSON in and out, this tab's access token, errors as ApiError carrying the
// server's code and message. A request the server refuses for an expired token is sent
// again once the token is renewed from the browser's session (session-renewal.js).

const TOKEN_KEY = "chat.token";
const EXPIRES_KEY = "chat.tokenExpires";

export class ApiError extends Error {
  /** `field`: the request's field the server found wrong, when it says. */
  constructor(status, code, message, retryable = false, field = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryable = retryable;
    this.field = field;
  }
}

/** This tab's access token and when it expires (the refresh token is an HttpOnly cookie no script sees). */
export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(EXPIRES_KEY);
  },
  /** Milliseconds since 1970, or null when not known. */
  get expiresAt() { return Number(sessionStorage.getItem(EXPIRES_KEY)) || null; },
  /** Keeps what a sign-in or a renewal answered. */
  keep({ token, expiresAt }) {
    this.token = token;
    const expires = Date.parse(expiresAt ?? "");
    if (!Number.isNaN(expires)) sessionStorage.setItem(EXPIRES_KEY, String(expires));
  },
};

/** Told when the server refuses the token (expired, revoked) and it cannot be renewed: back to sign-in. */
let onUnauthorized = () => {};
export function whenUnauthorized(handler) { onUnauthorized = handler; }

/** Renews the token after a 401; resolves whether it did (set by the session's keeper). */
let renewAfterRefusal = async () => false;
export function whenTokenRefused(renew) { renewAfterRefusal = renew; }

export async function request(method, path, body) {
  return (await exchange(method, path, body === undefined ? undefined : JSON.stringify(body), "application/json")).json;
}

/**
 * One request, its JSON and its response (for headers such as `Link`); errors thrown as
 * ApiError. A 401 to a signed-in request is tried once more with a renewed token.
 */
async function exchange(method, path, body, contentType, { token = session.token, renew = true } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = contentType;
  let response;
  try {
    response = await fetch(path, { method, headers, body, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "offline", "The server cannot be reached; check your connection.", true);
  }
  const text = await response.text();
  const json = text ? safeJSON(text) : null;
  if (!response.ok) {
    const error = json?.error ?? {};
    if (response.status === 401 && token && renew) {
      if (await renewAfterRefusal(token)) return exchange(method, path, body, contentType, { renew: false });
      onUnauthorized();
    }
    throw new ApiError(response.status, error.code ?? "http_" + response.status, error.message ?? response.statusText, !!error.retryable,
      typeof error.field === "string" ? error.field : null);
  }
  return { json, response };
}

/** The next page's path from `Link: <path>; rel="next"`, or null. */
function nextLink(response) {
  return /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("Link") ?? "")?.[1] ?? null;
}

/**
 * A page of the experts directory: matching `q`, online first; `next` (from the page
 * before) is the path the server gave, requested as it is.
 */
async function experts({ q = "", online = false, next = null } = {}) {
  const path = next ?? `/api/chat/experts?limit=30${q ? `&q=${encodeURIComponent(q)}` : ""}${online ? "&online=true" : ""}`;
  const { json, response } = await exchange("GET", path);
  return { experts: json ?? [], next: nextLink(response) };
}

/** A page of the caller's conversations, newest activity first; `next` from the page before. */
async function conversations({ next = null } = {}) {
  const { json, response } = await exchange("GET", next ?? "/api/chat/conversations?limit=50");
  return { conversations: json ?? [], next: nextLink(response) };
}

/** A request to the session routes: the cookie speaks for the browser (`token`: this tab's, to sign it out). */
async function signInRequest(method, path, token = null, body = undefined) {
  const json = body === undefined ? undefined : JSON.stringify(body);
  return (await exchange(method, path, json, "application/json", { token, renew: false })).json;
}

function safeJSON(text) {
  try { return JSON.parse(text); } catch { return null; }
}

/** A file the API serves (an attachment), fetched with the token. */
export async function download(path, { renewed = false } = {}) {
  const token = session.token;
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  if (response.status === 401 && !renewed && await renewAfterRefusal(token)) return download(path, { renewed: true });
  if (!response.ok) throw new ApiError(response.status, "http_" + response.status, "The file could not be loaded");
  return response.blob();
}

/**
 * Uploads a file into a conversation as multipart/form-data, telling `onProgress` the
 * fraction sent (fetch cannot report upload progress; XMLHttpRequest can).
 */
export function upload(conversationId, file, clientMessageId, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const token = session.token;
    xhr.open("POST", `/api/chat/conversations/${conversationId}/upload`);
    xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => event.lengthComputable && onProgress(event.loaded / event.total));
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve(xhr.response);
      const error = xhr.response?.error ?? {};
      const refused = new ApiError(xhr.status, error.code ?? "http_" + xhr.status, error.message ?? "The upload failed", !!error.retryable);
      if (xhr.status !== 401) return reject(refused);
      // Renewed, the upload may go again: the outbox sends what is retryable once more.
      renewAfterRefusal(token).then((renewed) => {
        if (!renewed) onUnauthorized();
        refused.retryable = renewed;
        reject(refused);
      });
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "offline", "The upload could not reach the server", true)));
    const form = new FormData();
    form.append("clientMessageId", clientMessageId);
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

export const api = {
  register: (name, email, password, role) => request("POST", "/api/auth/register", { name, email, password, role }),
  /** `remember`: "Keep me signed in", a session cookie that outlives the browser. */
  login: (email, password, remember = false) => request("POST", "/api/auth/login", { email, password, remember }),
  /** A new access token from the session cookie (no token of this tab needed). */
  refresh: () => signInRequest("POST", "/api/auth/refresh"),
  /** Ends this browser's session (the cookie's, else this tab token's) on every tab and service. */
  logout: () => signInRequest("POST", "/api/auth/logout", session.token),
  logoutEverywhere: () => request("POST", "/api/auth/logout-all"),
  changePassword: (currentPassword, newPassword) => request("POST", "/api/me/password", { currentPassword, newPassword }),
  /** "Forgot password?": a link mailed to the address, if an account has it (the answer never says). */
  requestPasswordReset: (email) => request("POST", "/api/auth/password-reset", { email }),
  confirmPasswordReset: (token, newPassword) => request("POST", "/api/auth/password-reset/confirm", { token, newPassword }),
  /** The link mailed at sign-up, opened (signed in or not). */
  verifyEmail: (token) => signInRequest("POST", "/api/auth/verify-email", null, { token }),
  resendVerification: () => request("POST", "/api/me/verification"),
  setEmailNotifications: (mode) => request("PUT", "/api/me/email-notifications", { mode }),
  /** A mail's unsubscribe link, opened (no sign-in needed). */
  unsubscribe: (token) => signInRequest("POST", `/api/email/unsubscribe/${encodeURIComponent(token)}`),
  sessions: () => request("GET", "/api/auth/sessions"),
  endSession: (id) => request("DELETE", `/api/auth/sessions/${id}`),
  /** What a new account must meet (open: before anyone signs in). */
  accountRules: () => request("GET", "/api/auth/rules"),
  me: () => request("GET", "/api/me"),
  policy: () => request("GET", "/api/chat/policy"),
  experts,
  user: (id) => request("GET", `/api/users/${id}`),
  updateProfile: (change) => request("PATCH", "/api/me", change),
  /** The picture as the raw body: the server tells its type by its bytes. */
  setAvatar: async (file) => (await exchange("PUT", "/api/me/avatar", file, file.type || "application/octet-stream")).json,
  setGroupPicture: async (id, file) =>
    (await exchange("PUT", `/api/chat/conversations/${id}/picture`, file, file.type || "application/octet-stream")).json,
  removeGroupPicture: (id) => request("DELETE", `/api/chat/conversations/${id}/picture`),
  removeAvatar: () => request("DELETE", "/api/me/avatar"),
  blocks: () => request("GET", "/api/me/blocks"),
  block: (userId) => request("PUT", `/api/me/blocks/${userId}`),
  unblock: (userId) => request("DELETE", `/api/me/blocks/${userId}`),
  report: (body) => request("POST", "/api/reports", body),
  moderationQueue: (state, cursor) =>
    request("GET", `/api/admin/reports?state=${state}&limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`),
  moderate: (reportId, body) => request("POST", `/api/admin/reports/${reportId}/actions`, body),
  restoreUser: (userId) => request("POST", `/api/admin/users/${userId}/restore`),
  conversations,
  conversation: (id) => request("GET", `/api/chat/conversations/${id}`),
  openWithExpert: (expertId) => request("POST", "/api/chat/conversations", { expertId }),
  createGroup: (title, participantIds) => request("POST", "/api/chat/conversations", { title, participantIds }),
  updateGroup: (id, change) => request("PATCH", `/api/chat/conversations/${id}`, change),
  addMembers: (id, userIds) => request("POST", `/api/chat/conversations/${id}/members`, { userIds }),
  setRole: (id, userId, role) => request("PATCH", `/api/chat/conversations/${id}/members/${userId}`, { role }),
  /** Removes the member; with the caller's own id, they leave. */
  removeMember: (id, userId) => request("DELETE", `/api/chat/conversations/${id}/members/${userId}`),
  invites: (id) => request("GET", `/api/chat/conversations/${id}/invites`),
  createInvite: (id) => request("POST", `/api/chat/conversations/${id}/invites`, {}),
  revokeInvite: (id, inviteId) => request("DELETE", `/api/chat/conversations/${id}/invites/${inviteId}`),
  invitePreview: (token) => request("GET", `/api/chat/invites/${encodeURIComponent(token)}`),
  joinByInvite: (token) => request("POST", `/api/chat/invites/${encodeURIComponent(token)}/join`),
  history: (id, before) => request("GET", `/api/chat/conversations/${id}/messages?limit=50${before ? `&before=${before}` : ""}`),
  /** A page of history from just after `after`: the page around a message found by search. */
  historyAfter: (id, after) => request("GET", `/api/chat/conversations/${id}/messages?limit=50&after=${after}`),
  search: (q, cursor) => request("GET", `/api/chat/search?q=${encodeURIComponent(q)}&limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`),
  presence: (userIds) => request("GET", `/api/presence?userIds=${userIds.join(",")}`),
  /** The STUN and TURN servers for a call, with this user's TURN credential. */
  iceServers: () => request("GET", "/api/calls/ice-servers"),
};
