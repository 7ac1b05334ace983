/**
 * Password length limits, checked by the server (which says why it refused) and shown by
 * the UI. 10 keeps brute force costly; 256 bounds the hashing work per request.
 */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;
