// Ids as the page keeps them: lower case (RFC 9562 asks for it on output, any case on input).

export const key = (id) => String(id).toLowerCase();

/** A user with its id keyed. */
export const keyedUser = (user) => ({ ...user, id: key(user.id) });
