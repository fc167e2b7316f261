//! The `oauth-callback` function: `POST /apps/{app}/connect` (admin) → the Salesforce authorize
//! URL; `GET /oauth/callback` → tokens in the vault, the account on the app.

pub mod handler;
