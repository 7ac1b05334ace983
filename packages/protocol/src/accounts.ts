/**
 * Password length limits, checked by the server (which says why it refused) and shown by
 * the UI. 10 keeps brute force costly; 256 bounds the hashing work per request.
 */
export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

/**
 * How a deleted account is named wherever what it wrote stays (comments, messages, the audit
 * log): the server stores it as the account's name, the app shows it for `deletedUserIds`.
 */
export const DELETED_USER_NAME = 'Deleted user';
