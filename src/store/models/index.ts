import { Action, ActionFlow } from './action.ts';
import { Application } from './application.ts';
import { BrandingAsset } from './branding-asset.ts';
import { BrowserLogin } from './browser-login.ts';
import { EmailOutbox } from './email-outbox.ts';
import { Event } from './event.ts';
import { Instance } from './instance.ts';
import { InstanceDomain } from './instance-domain.ts';
import { LoginAttempt } from './login-attempt.ts';
import { Membership } from './membership.ts';
import { Organization } from './organization.ts';
import { ProjectGrant } from './project-grant.ts';
import { RateLimitHit } from './rate-limit-hit.ts';
import { SamlAssertionUse } from './saml-assertion-use.ts';
import { Project } from './project.ts';
import { SigningKey } from './signing-key.ts';
import { FactorUse, UserFactor } from './user-factor.ts';
import { UserGrant } from './user-grant.ts';
import { VerificationCode } from './verification-code.ts';
import { WebauthnChallenge } from './webauthn-challenge.ts';
import { PersonalAccessToken, User } from './user.ts';
import { WebhookDelivery, WebhookSubscription } from './webhook.ts';
import { FederationState } from './federation-state.ts';
import { IdentityProvider } from './identity-provider.ts';
import { UserLink } from './user-link.ts';

export {
  Action,
  ActionFlow,
  Application,
  BrandingAsset,
  BrowserLogin,
  EmailOutbox,
  Event,
  FactorUse,
  FederationState,
  IdentityProvider,
  Instance,
  InstanceDomain,
  LoginAttempt,
  Membership,
  Organization,
  PersonalAccessToken,
  Project,
  ProjectGrant,
  RateLimitHit,
  SamlAssertionUse,
  SigningKey,
  User,
  UserFactor,
  UserGrant,
  UserLink,
  VerificationCode,
  WebauthnChallenge,
  WebhookDelivery,
  WebhookSubscription,
};

export const domainModels = [
  Instance,
  InstanceDomain,
  Organization,
  User,
  PersonalAccessToken,
  Project,
  Application,
  ProjectGrant,
  UserGrant,
  Membership,
  Event,
  SigningKey,
  LoginAttempt,
  RateLimitHit,
  UserFactor,
  FactorUse,
  EmailOutbox,
  VerificationCode,
  WebauthnChallenge,
  BrowserLogin,
  SamlAssertionUse,
  Action,
  ActionFlow,
  WebhookSubscription,
  WebhookDelivery,
  IdentityProvider,
  UserLink,
  FederationState,
  BrandingAsset,
];
