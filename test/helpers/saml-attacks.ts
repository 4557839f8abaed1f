/**
 * Rewrites of a signed SAML Response (the XML samlify signed in test/helpers/saml-idp.ts) that an attacker who
 * captured one could try: each must be refused by the service provider.
 */

const ASSERTION = /<saml:Assertion\b[\s\S]*<\/saml:Assertion>/;
const SIGNATURE = /<ds:Signature\b[\s\S]*?<\/ds:Signature>/g;

function signedAssertion(xml: string): string {
  const [assertion] = ASSERTION.exec(xml) ?? [];
  if (!assertion) throw new Error('no assertion in the response');
  return assertion;
}

/** The assertion naming someone else, unsigned and with an id of its own. */
function forgedCopy(assertion: string, nameId: string): string {
  return assertion
    .replace(SIGNATURE, '')
    .replace(/ ID="[^"]*"/, ' ID="_forged"')
    .replace(/(<saml:NameID[^>]*>)[^<]*/, `$1${nameId}`);
}

/** Every signature removed. */
export function stripSignatures(xml: string): string {
  return xml.replace(SIGNATURE, '');
}

/** One attribute value changed after signing (the signature over the assertion no longer matches). */
export function changeAttributeValue(from: string, to: string): (xml: string) => string {
  return (xml) => {
    if (!xml.includes(`>${from}<`)) throw new Error(`no attribute value ${from}`);
    return xml.replace(`>${from}<`, `>${to}<`);
  };
}

/** XML signature wrapping, sibling form: a forged assertion before the genuine signed one. */
export function wrapWithForgedSibling(nameId: string): (xml: string) => string {
  return (xml) => {
    const assertion = signedAssertion(xml);
    return xml.replace(assertion, forgedCopy(assertion, nameId) + assertion);
  };
}

/**
 * XML signature wrapping, hidden form (Somorovsky et al., "On Breaking SAML", USENIX Security 2012, XSW 3/4): the
 * genuine signed assertion moves into the Response's Extensions, where a signature check that looks it up by id still
 * finds it, and the only Assertion child left is a forged one carrying the genuine signature.
 */
export function wrapInExtensions(nameId: string): (xml: string) => string {
  return (xml) => {
    const assertion = signedAssertion(xml);
    const [signature] = assertion.match(SIGNATURE) ?? [];
    if (!signature) throw new Error('the assertion is not signed');
    const forged = forgedCopy(assertion, nameId).replace(/(<saml:Issuer>[^<]*<\/saml:Issuer>)/, `$1${signature}`);
    return xml
      .replace(assertion, forged)
      .replace(
        /(<samlp:Response\b[^>]*>\s*<saml:Issuer>[^<]*<\/saml:Issuer>)/,
        `$1<samlp:Extensions>${assertion}</samlp:Extensions>`,
      );
  };
}

/** A document type declaration whose entities would expand a thousandfold (the "billion laughs" pattern, shortened). */
export function withEntityExpansion(xml: string): string {
  const entities = [
    '<!ENTITY l0 "ha">',
    ...[1, 2, 3].map((level) => `<!ENTITY l${level} "${`&l${level - 1};`.repeat(10)}">`),
  ];
  return `<!DOCTYPE samlp:Response [${entities.join('')}]>${xml.replace(/(<saml:NameID[^>]*>)[^<]*/, '$1&l3;')}`;
}
