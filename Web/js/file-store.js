// The bytes of files waiting to be sent, in the browser's IndexedDB (localStorage holds
// text, and a few MB at most), under their user and message's clientMessageId, until the
// server has them. The outbox slice keeps what is known of each; this keeps the file.

const NAME = "chat-files";
const STORE = "outbox";
let opened = null;

function database() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  }).catch((error) => {
    opened = null;
    throw error;
  });
  return opened;
}

/** Runs `body` on the store in one transaction; what its request gave once committed. */
async function transaction(mode, body) {
  const db = await database();
  return new Promise((resolve, reject) => {
    const run = db.transaction(STORE, mode);
    const request = body(run.objectStore(STORE));
    run.oncomplete = () => resolve(request.result);
    run.onerror = run.onabort = () => reject(run.error);
  });
}

export const fileStore = {
  put: (userId, clientMessageId, file) => transaction("readwrite", (store) => store.put(file, [userId, clientMessageId])),
  /** The file, or undefined when it is not kept. */
  get: (userId, clientMessageId) => transaction("readonly", (store) => store.get([userId, clientMessageId])),
  remove: (userId, clientMessageId) => transaction("readwrite", (store) => store.delete([userId, clientMessageId])),
  /** Every file of the user (array keys sort after strings: [user, []] follows all of theirs). */
  forget: (userId) => transaction("readwrite", (store) => store.delete(IDBKeyRange.bound([userId], [userId, []]))),
};
