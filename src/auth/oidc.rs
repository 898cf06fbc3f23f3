//! The conversation with the region's identity provider (OpenID Connect,
//! authorization code with PKCE): its discovery document, kept for an hour;
//! the address a browser is sent to; and, back at the callback, the code
//! exchanged for tokens, the ID token checked (signature, issuer, audience,
//! expiry, nonce) and the user info read for the HSA-id. Nothing here
//! stores anything: the pages keep the state between the two halves.

use std::time::{Duration, Instant};

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use tokio::sync::Mutex;

use crate::config::OidcSettings;

/// How long a discovery document (and the signing keys it names) is kept.
const KEEP_METADATA: Duration = Duration::from_secs(3600);
/// How long the provider may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The provider as the application knows it; one per server.
pub struct Oidc {
    settings: OidcSettings,
    redirect: String,
    http: reqwest::Client,
    metadata: Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

/// Why the provider's side of a sign-in failed. Each is shown as a page
/// that says what happened; the detail goes to the log.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The discovery document or keys could not be fetched or read.
    #[error("provider unreachable: {0}")]
    Unreachable(String),
    /// The token endpoint refused the code (used, expired, or not ours).
    #[error("code refused: {0}")]
    CodeRefused(String),
    /// The ID token failed a check.
    #[error("id token refused: {0}")]
    TokenRefused(String),
}

/// Where to send the browser, and what the callback must be given back.
#[derive(Debug)]
pub struct Started {
    /// The provider's authorization address with our parameters.
    pub url: String,
    /// The state, returned with the code.
    pub state: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The PKCE verifier the token request proves the code with.
    pub pkce_verifier: String,
}

/// Who the provider says signed in.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The issuer.
    pub issuer: String,
    /// The subject, stable per person at this issuer.
    pub subject: String,
    /// The HSA-id claim, when the provider sent one.
    pub hsa_id: Option<String>,
    /// The e-mail, only when the provider says it is verified.
    pub verified_email: Option<String>,
    /// The name, for a new account.
    pub name: Option<String>,
}

impl Oidc {
    /// The provider of `settings`, sending people back to `public_url`'s
    /// `/auth/oidc/callback`.
    pub fn new(settings: OidcSettings, public_url: &str) -> Result<Oidc, String> {
        let http = reqwest::ClientBuilder::new()
            // A provider's redirect is not followed (no requests elsewhere).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Oidc {
            settings,
            redirect: format!("{}/auth/oidc/callback", public_url.trim_end_matches('/')),
            http,
            metadata: Mutex::new(None),
        })
    }

    /// The settings.
    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    /// The callback address registered with the provider.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect
    }

    async fn metadata(&self) -> Result<CoreProviderMetadata, OidcError> {
        let mut kept = self.metadata.lock().await;
        if let Some((at, m)) = kept.as_ref()
            && at.elapsed() < KEEP_METADATA
        {
            return Ok(m.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|e| OidcError::Unreachable(e.to_string()))?;
        // Discovery checks that the document names this issuer exactly.
        let m = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Unreachable(e.to_string()))?;
        *kept = Some((Instant::now(), m.clone()));
        Ok(m)
    }

    /// Drops the kept discovery document, so that the next sign-in fetches
    /// the keys again (after a token signed with a key we do not know).
    async fn forget(&self) {
        *self.metadata.lock().await = None;
    }

    fn client(
        &self,
        m: CoreProviderMetadata,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        OidcError,
    > {
        let redirect = RedirectUrl::new(self.redirect.clone())
            .map_err(|e| OidcError::Unreachable(e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            m,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }

    /// A new sign-in: the provider's address with a fresh state, nonce and
    /// PKCE challenge (S256).
    pub async fn start(&self) -> Result<Started, OidcError> {
        let client = self.client(self.metadata().await?)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in self.settings.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(Started {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// The second half: `code` exchanged with the verifier, the ID token
    /// checked against `nonce`, the user info read.
    pub async fn finish(
        &self,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<Identity, OidcError> {
        let m = self.metadata().await?;
        let userinfo = m.userinfo_endpoint().map(|u| u.url().clone());
        let client = self.client(m)?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| OidcError::Unreachable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::CodeRefused(describe(&e)))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| OidcError::TokenRefused("no id_token in the answer".into()))?;
        let claims = match id_token.claims(&client.id_token_verifier(), &Nonce::new(nonce.into())) {
            Ok(c) => c,
            Err(e) => {
                // Perhaps the provider rotated its keys: fetch them anew
                // for the next sign-in.
                self.forget().await;
                return Err(OidcError::TokenRefused(e.to_string()));
            }
        };
        let subject = claims.subject().as_str().to_string();
        let mut identity = Identity {
            issuer: claims.issuer().as_str().to_string(),
            subject: subject.clone(),
            hsa_id: None,
            verified_email: claims
                .email()
                .filter(|_| claims.email_verified() == Some(true))
                .map(|e| e.as_str().to_string()),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_string()),
        };
        if let Some(url) = userinfo {
            let info: serde_json::Value = self
                .http
                .get(url)
                .bearer_auth(token.access_token().secret())
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(|e| OidcError::Unreachable(e.to_string()))?
                .json()
                .await
                .map_err(|e| OidcError::Unreachable(e.to_string()))?;
            // The user info must be about the person of the ID token.
            if info.get("sub").and_then(|s| s.as_str()) != Some(subject.as_str()) {
                return Err(OidcError::TokenRefused(
                    "user info is about another subject".into(),
                ));
            }
            merge_userinfo(&mut identity, &info, &self.settings.hsa_claim);
        }
        Ok(identity)
    }
}

/// What the user info adds: the HSA-id claim, a verified e-mail and the
/// name, where the ID token had none.
fn merge_userinfo(identity: &mut Identity, info: &serde_json::Value, hsa_claim: &str) {
    let text = |key: &str| {
        info.get(key)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    identity.hsa_id = identity.hsa_id.take().or_else(|| text(hsa_claim));
    let verified = info
        .get("email_verified")
        .is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("true"));
    if identity.verified_email.is_none() && verified {
        identity.verified_email = text("email");
    }
    identity.name = identity.name.take().or_else(|| text("name"));
}

/// A token error as the log should read it: the provider's error code and
/// description when it sent one.
fn describe<E: std::error::Error>(e: &E) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        Identity {
            issuer: "https://idp.example".into(),
            subject: "s".into(),
            hsa_id: None,
            verified_email: None,
            name: None,
        }
    }

    #[test]
    fn user_info_gives_the_hsa_id_and_only_a_verified_email() {
        let mut i = identity();
        merge_userinfo(
            &mut i,
            &serde_json::json!({"sub": "s", "employeeHsaId": " SE2321000131-E000000000101 ",
                "email": "ada@region.example", "email_verified": false}),
            "employeeHsaId",
        );
        assert_eq!(i.hsa_id.as_deref(), Some("SE2321000131-E000000000101"));
        assert_eq!(i.verified_email, None);
        let mut i = identity();
        merge_userinfo(
            &mut i,
            &serde_json::json!({"sub": "s", "hsa": "SE1", "email": "ada@region.example",
                "email_verified": true, "name": "Ada Alm"}),
            "hsa",
        );
        assert_eq!(i.hsa_id.as_deref(), Some("SE1"));
        assert_eq!(i.verified_email.as_deref(), Some("ada@region.example"));
        assert_eq!(i.name.as_deref(), Some("Ada Alm"));
    }
}
