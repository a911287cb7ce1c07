// Partner sample for Java 17: the JDK only (no Maven, no third-party jars).
//
//   javac -d out examples/java/Partner.java && java -cp out Partner COMMAND [--option value ...]
//
// The partner side of both integration profiles of the webview partner API (docs/partners/):
//   check-vectors FILE       check docs/partners/vectors.json; exit 1 on any mismatch
//   launch                   hmac: POST /api/v1/webview-url, print data.url_open
//   transaction              hmac: GET /api/v1/transaction (signed over the request target), print the answer
//   ipn                      hmac: POST /api/v1/payment/ipn, print the answer
//   result-link              hmac: print url_checkout_result with &transaction_id=&timestamp=&sig=
//   envelope-login           envelope: POST /api/v1/partner/login, print the decrypted redirect_url
//   envelope-query           envelope: POST /api/v1/partner/query-trans, print the decrypted fields as JSON
//   serve                    a tiny partner server on 127.0.0.1: create / query / refund endpoints that verify the
//                            merchant's signed calls, a payment page whose approval sends the signed IPN, and
//                            (envelope) the place-order redirect and the commit call
// RSA keys may be PEM (PKCS#8 private, X.509 public) or .NET XML <RSAKeyValue>.
// Envelope commands take --paths gotadi to call the /api/partner/* aliases (the paths Gotadi's client code uses)
// instead of /api/v1/partner/*; the calls are the same.

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

public final class Partner {
    static final long WINDOW_MS = 300_000L;
    static final SecureRandom RANDOM = new SecureRandom();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(3050)).build();

    // ------------------------------------------------------------------------------------------ profile hmac

    static String b64url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Either base64 alphabet, padding optional, whitespace (e.g. CRLF every 76 characters) ignored. */
    static byte[] b64decode(String text) {
        String standard = text.replaceAll("[ \\t\\r\\n]", "").replace('-', '+').replace('_', '/');
        while (standard.length() % 4 != 0) standard += "=";
        return Base64.getDecoder().decode(standard);
    }

    static byte[] concat(byte[]... parts) {
        int size = 0;
        for (byte[] part : parts) size += part.length;
        byte[] out = new byte[size];
        int at = 0;
        for (byte[] part : parts) { System.arraycopy(part, 0, out, at, part.length); at += part.length; }
        return out;
    }

    static byte[] utf8(String text) { return text.getBytes(StandardCharsets.UTF_8); }

    /** base64url_nopad(P), P = timestamp "." client_id "." (raw body bytes, or the raw request target). */
    static String signingInput(String timestamp, String clientId, byte[] message) {
        return b64url(concat(utf8(timestamp + "." + clientId + "."), message));
    }

    static String hexHmac(String secret, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(utf8(secret), "HmacSHA256"));
            byte[] digest = mac.doFinal(text.getBytes(StandardCharsets.US_ASCII));
            StringBuilder hex = new StringBuilder();
            for (byte b : digest) hex.append(String.format("%02x", b));
            return hex.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** X-Signature: lowercase hex HMAC-SHA256(key = client secret as UTF-8, msg = base64url_nopad(P)). */
    static String hmacSign(String clientId, String secret, String timestamp, byte[] message) {
        return hexHmac(secret, signingInput(timestamp, clientId, message));
    }

    static Map<String, String> signedHeaders(String clientId, String secret, byte[] message, long timestampMs) {
        String timestamp = Long.toString(timestampMs);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Client-Id", clientId);
        headers.put("X-Timestamp", timestamp);
        headers.put("X-Signature", hmacSign(clientId, secret, timestamp, message));
        return headers;
    }

    /** The raw request target of a URL: path and query, no "?" when the query is empty. */
    static String requestTarget(String url) {
        URI uri = URI.create(url);
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null || uri.getRawQuery().isEmpty() ? path : path + "?" + uri.getRawQuery();
    }

    /** Check the merchant's headers; null when good, else the reason. `seen` is the replay store. */
    static String verifySigned(String id, String timestamp, String signature, byte[] message, String clientId,
                               List<String> secrets, Map<String, Long> seen, long nowMs) {
        if (id == null || timestamp == null || signature == null) return "missing X-Client-Id, X-Timestamp or X-Signature";
        if (!id.equals(clientId)) return "unknown client id";
        if (!timestamp.matches("[0-9]{1,16}")) return "malformed timestamp";
        if (Math.abs(nowMs - Long.parseLong(timestamp)) > WINDOW_MS) return "timestamp outside ±300 s";
        boolean ok = false;
        for (String secret : secrets) { // during a secret rotation both secrets verify; constant-time compare
            ok |= MessageDigest.isEqual(utf8(hmacSign(id, secret, timestamp, message)), utf8(signature.toLowerCase()));
        }
        if (!ok) return "invalid signature";
        if (seen != null) {
            String key = id + ":" + timestamp + ":" + sha256Hex(concat(utf8(timestamp + "." + id + "."), message));
            seen.values().removeIf(expiry -> expiry < nowMs);
            if (seen.putIfAbsent(key, Long.parseLong(timestamp) + WINDOW_MS) != null) return "replay";
        }
        return null;
    }

    static String sha256Hex(byte[] data) {
        try {
            StringBuilder hex = new StringBuilder();
            for (byte b : MessageDigest.getInstance("SHA-256").digest(data)) hex.append(String.format("%02x", b));
            return hex.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** sig of a result link: hex HMAC-SHA256(secret, base64url_nopad("timestamp.client_id.partner_code.transaction_id")). */
    static String resultLinkSignature(String secret, String clientId, String partnerCode, String transactionId,
                                      String timestamp) {
        return hexHmac(secret, b64url(utf8(timestamp + "." + clientId + "." + partnerCode + "." + transactionId)));
    }

    static String resultLink(String urlCheckoutResult, String clientId, String secret, String partnerCode,
                             String transactionId, String timestamp) {
        String sig = resultLinkSignature(secret, clientId, partnerCode, transactionId, timestamp);
        return urlCheckoutResult + (urlCheckoutResult.contains("?") ? "&" : "?") + "transaction_id="
                + URLEncoder.encode(transactionId, StandardCharsets.UTF_8) + "&timestamp=" + timestamp + "&sig=" + sig;
    }

    // -------------------------------------------------------------------------------------- profile envelope

    /** Original-data layouts (the signature data is the same without "signature"); modern appends "timestamp". */
    static final Map<String, String> MESSAGES = Map.of(
            "login_request", "access_code|user_id|layout|product|signature",
            "login_response", "access_code|error_code|redirect_url|signature",
            "place_order", "access_code|booking_number|product_type|signature|total_amount",
            "commit_request", "access_code|booking_number|partner_trans_id|product_type|signature",
            "query_request", "access_code|booking_number|signature",
            "commit_response", "access_code|booking_number|error_code|product_type|properties|return_url|signature|total_amount",
            "query_response", "access_code|booking_number|error_code|product_type|properties|return_url|signature|total_amount");

    static List<String> originalLayout(String name, String suite) {
        List<String> fields = new ArrayList<>(Arrays.asList(MESSAGES.get(name).split("\\|")));
        if (suite.equals("modern")) fields.add("timestamp");
        return fields;
    }

    static List<String> signedLayout(String name, String suite) {
        List<String> fields = originalLayout(name, suite);
        fields.remove("signature");
        return fields;
    }

    static Signature signer(String suite) throws Exception {
        if (suite.equals("modern")) {
            Signature signature = Signature.getInstance("RSASSA-PSS");
            signature.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
            return signature;
        }
        return Signature.getInstance("SHA256withRSA");
    }

    static String signText(String suite, PrivateKey key, String text) throws Exception {
        Signature signature = signer(suite);
        signature.initSign(key);
        signature.update(utf8(text));
        return Base64.getEncoder().encodeToString(signature.sign());
    }

    static boolean verifyText(String suite, PublicKey key, String text, String signatureB64) {
        try {
            Signature signature = signer(suite);
            signature.initVerify(key);
            signature.update(utf8(text));
            return signature.verify(b64decode(signatureB64));
        } catch (Exception e) {
            return false;
        }
    }

    static Cipher rsaCipher(String suite, int mode, java.security.Key key) throws Exception {
        if (suite.equals("modern")) {
            Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPPadding");
            // SHA-256 for the hash AND for MGF1: "OAEPWithSHA-256AndMGF1Padding" alone would use MGF1-SHA-1
            cipher.init(mode, key, new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256,
                    PSource.PSpecified.DEFAULT));
            return cipher;
        }
        Cipher cipher = Cipher.getInstance("RSA/ECB/PKCS1Padding"); // what Cipher.getInstance("RSA") gives
        cipher.init(mode, key);
        return cipher;
    }

    static byte[] encryptData(String suite, byte[] key, byte[] plaintext, byte[] nonce) throws Exception {
        if (suite.equals("modern")) {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
            return concat(nonce, cipher.doFinal(plaintext)); // nonce ‖ ciphertext ‖ 16-byte tag
        }
        Cipher cipher = Cipher.getInstance("DESede/ECB/PKCS5Padding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "DESede"));
        return cipher.doFinal(plaintext);
    }

    static byte[] decryptData(String suite, byte[] key, byte[] data) throws Exception {
        if (suite.equals("modern")) {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"),
                    new GCMParameterSpec(128, Arrays.copyOfRange(data, 0, 12)));
            return cipher.doFinal(Arrays.copyOfRange(data, 12, data.length));
        }
        Cipher cipher = Cipher.getInstance("DESede/ECB/PKCS5Padding");
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "DESede"));
        return cipher.doFinal(data);
    }

    static byte[] unwrapKey(String suite, PrivateKey key, byte[] wrapped) throws Exception {
        byte[] symmetric = rsaCipher(suite, Cipher.DECRYPT_MODE, key).doFinal(wrapped);
        if (symmetric.length != (suite.equals("modern") ? 32 : 24)) throw new IllegalStateException("wrong key length");
        return symmetric;
    }

    /** A sealed message: the wire pair and the texts (signature data, original data, signature). */
    record Sealed(String key, String data, String signatureData, String originalData, String signature) {}

    /** Sign with our key, encrypt to theirs. `symmetricKey` and `nonce` may be null (fresh random ones). */
    static Sealed seal(String name, String suite, Map<String, String> values, PrivateKey own, PublicKey theirs,
                       byte[] symmetricKey, byte[] nonce) throws Exception {
        Map<String, String> filled = new HashMap<>(values);
        if (suite.equals("modern")) filled.putIfAbsent("timestamp", Long.toString(System.currentTimeMillis()));
        List<String> signed = new ArrayList<>();
        for (String field : signedLayout(name, suite)) {
            String value = filled.get(field);
            if (value == null || value.contains("|")) throw new IllegalArgumentException("field " + field + " missing or has '|'");
            signed.add(value);
        }
        String signatureData = String.join("|", signed);
        filled.put("signature", signText(suite, own, signatureData));
        List<String> original = new ArrayList<>();
        for (String field : originalLayout(name, suite)) original.add(filled.get(field));
        String originalData = String.join("|", original);
        byte[] key = symmetricKey != null ? symmetricKey : randomBytes(suite.equals("modern") ? 32 : 24);
        byte[] data = encryptData(suite, key, utf8(originalData), nonce != null ? nonce : randomBytes(12));
        byte[] wrapped = rsaCipher(suite, Cipher.ENCRYPT_MODE, theirs).doFinal(key);
        return new Sealed(b64url(wrapped), b64url(data), signatureData, originalData, filled.get("signature"));
    }

    static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** Decrypt with our key, verify with theirs (modern: and the ±300 s timestamp); the fields without the signature. */
    static Map<String, String> open(String name, String suite, String key, String data, PrivateKey own,
                                    PublicKey theirs, long nowMs) throws Exception {
        String text;
        try {
            byte[] symmetric = unwrapKey(suite, own, b64decode(key));
            text = new String(decryptData(suite, symmetric, b64decode(data)), StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IllegalArgumentException("04: cannot decrypt");
        }
        List<String> layout = originalLayout(name, suite);
        String[] parts = text.split("\\|", -1);
        if (parts.length != layout.size()) throw new IllegalArgumentException("07: expected " + layout.size() + " fields");
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < parts.length; i++) fields.put(layout.get(i), parts[i]);
        List<String> signed = new ArrayList<>();
        for (String field : signedLayout(name, suite)) signed.add(fields.get(field));
        if (!verifyText(suite, theirs, String.join("|", signed), fields.get("signature"))) {
            throw new IllegalArgumentException("04: bad signature");
        }
        if (suite.equals("modern")) {
            String stamp = fields.get("timestamp");
            if (!stamp.matches("[0-9]{1,16}") || Math.abs(nowMs - Long.parseLong(stamp)) > WINDOW_MS) {
                throw new IllegalArgumentException("04: stale timestamp");
            }
        }
        fields.remove("signature");
        return fields;
    }

    // -------------------------------------------------------------------------------------------------- keys

    static String xmlTag(String xml, String tag) {
        Matcher m = Pattern.compile("<" + tag + ">\\s*([^<]+?)\\s*</" + tag + ">").matcher(xml);
        return m.find() ? m.group(1) : null;
    }

    static BigInteger xmlInt(String xml, String tag) {
        String value = xmlTag(xml, tag);
        if (value == null) throw new IllegalArgumentException("<RSAKeyValue> has no " + tag);
        return new BigInteger(1, Base64.getDecoder().decode(value));
    }

    static byte[] pemBody(String pem) {
        return Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
    }

    /** An RSA public key from PEM (SubjectPublicKeyInfo) or .NET XML <RSAKeyValue><Modulus/><Exponent/>. */
    static PublicKey loadPublicKey(String text) throws Exception {
        KeyFactory factory = KeyFactory.getInstance("RSA");
        if (text.contains("<RSAKeyValue>")) {
            return factory.generatePublic(new RSAPublicKeySpec(xmlInt(text, "Modulus"), xmlInt(text, "Exponent")));
        }
        return factory.generatePublic(new X509EncodedKeySpec(pemBody(text)));
    }

    /** An RSA private key from PEM (PKCS#8, "BEGIN PRIVATE KEY") or .NET XML with P, Q, DP, DQ, InverseQ, D. */
    static PrivateKey loadPrivateKey(String text) throws Exception {
        KeyFactory factory = KeyFactory.getInstance("RSA");
        if (text.contains("<RSAKeyValue>")) {
            return factory.generatePrivate(new RSAPrivateCrtKeySpec(xmlInt(text, "Modulus"), xmlInt(text, "Exponent"),
                    xmlInt(text, "D"), xmlInt(text, "P"), xmlInt(text, "Q"), xmlInt(text, "DP"), xmlInt(text, "DQ"),
                    xmlInt(text, "InverseQ")));
        }
        return factory.generatePrivate(new PKCS8EncodedKeySpec(pemBody(text)));
    }

    static PrivateKey privateKeyFile(String path) throws Exception { return loadPrivateKey(Files.readString(Path.of(path))); }
    static PublicKey publicKeyFile(String path) throws Exception { return loadPublicKey(Files.readString(Path.of(path))); }

    // ------------------------------------------------------------------------------------------ minimal JSON

    static Object parseJson(String text) {
        Json json = new Json(text);
        Object value = json.value();
        json.space();
        if (json.at != text.length()) throw new IllegalArgumentException("trailing characters in JSON");
        return value;
    }

    static final class Json {
        final String s;
        int at;
        Json(String s) { this.s = s; }
        void space() { while (at < s.length() && Character.isWhitespace(s.charAt(at))) at++; }
        Object value() {
            space();
            char c = s.charAt(at);
            if (c == '{') {
                Map<String, Object> map = new LinkedHashMap<>();
                at++; space();
                if (s.charAt(at) == '}') { at++; return map; }
                while (true) {
                    space(); String key = string(); space(); expect(':');
                    map.put(key, value()); space();
                    if (s.charAt(at) == ',') { at++; continue; }
                    expect('}'); return map;
                }
            }
            if (c == '[') {
                List<Object> list = new ArrayList<>();
                at++; space();
                if (s.charAt(at) == ']') { at++; return list; }
                while (true) {
                    list.add(value()); space();
                    if (s.charAt(at) == ',') { at++; continue; }
                    expect(']'); return list;
                }
            }
            if (c == '"') return string();
            if (s.startsWith("true", at)) { at += 4; return Boolean.TRUE; }
            if (s.startsWith("false", at)) { at += 5; return Boolean.FALSE; }
            if (s.startsWith("null", at)) { at += 4; return null; }
            int start = at;
            while (at < s.length() && "+-0123456789.eE".indexOf(s.charAt(at)) >= 0) at++;
            String number = s.substring(start, at);
            if (number.isEmpty()) throw new IllegalArgumentException("bad JSON at " + start);
            if (number.matches("-?[0-9]+")) return Long.parseLong(number);
            return Double.parseDouble(number);
        }
        void expect(char c) {
            if (s.charAt(at) != c) throw new IllegalArgumentException("expected " + c + " at " + at);
            at++;
        }
        String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                char c = s.charAt(at++);
                if (c == '"') return out.toString();
                if (c != '\\') { out.append(c); continue; }
                char e = s.charAt(at++);
                switch (e) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'u' -> { out.append((char) Integer.parseInt(s.substring(at, at + 4), 16)); at += 4; }
                    default -> out.append(e);
                }
            }
        }
    }

    static String toJson(Object value) {
        if (value == null) return "null";
        if (value instanceof String text) {
            StringBuilder out = new StringBuilder("\"");
            for (char c : text.toCharArray()) {
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> { if (c < 0x20) out.append(String.format("\\u%04x", (int) c)); else out.append(c); }
                }
            }
            return out.append('"').toString();
        }
        if (value instanceof Map<?, ?> map) {
            List<String> items = new ArrayList<>();
            for (Map.Entry<?, ?> e : map.entrySet()) items.add(toJson(String.valueOf(e.getKey())) + ":" + toJson(e.getValue()));
            return "{" + String.join(",", items) + "}";
        }
        if (value instanceof List<?> list) {
            List<String> items = new ArrayList<>();
            for (Object item : list) items.add(toJson(item));
            return "[" + String.join(",", items) + "]";
        }
        return String.valueOf(value);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(Object value) { return (Map<String, Object>) value; }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) { return (List<Object>) value; }

    static Map<String, Object> map(Object... pairs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) out.put((String) pairs[i], pairs[i + 1]);
        return out;
    }

    // ------------------------------------------------------------------------------------------- HTTP client

    record Answer(int status, String body) {
        Map<String, Object> json() {
            try {
                Object parsed = parseJson(body);
                return parsed instanceof Map ? obj(parsed) : null;
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    static Answer send(String method, String url, Map<String, String> headers, byte[] body) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15));
        headers.forEach(builder::header);
        builder.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        HttpResponse<byte[]> response = HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
    }

    static Answer hmacPost(String url, String clientId, String secret, Map<String, Object> payload) throws Exception {
        byte[] body = utf8(toJson(payload)); // the bytes sent are the bytes signed
        Map<String, String> headers = new LinkedHashMap<>(signedHeaders(clientId, secret, body, System.currentTimeMillis()));
        headers.put("Content-Type", "application/json");
        return send("POST", url, headers, body);
    }

    static Answer hmacGet(String url, String clientId, String secret) throws Exception {
        return send("GET", url, signedHeaders(clientId, secret, utf8(requestTarget(url)), System.currentTimeMillis()), null);
    }

    /** Envelope options: suite, api key, access code, our private key, the merchant's public key. */
    record Envelope(String suite, String apiKey, String accessCode, PrivateKey partnerKey, PublicKey merchantKey) {}

    static Map<String, String> envelopeCall(String baseUrl, String path, String name, String replyName,
                                            Map<String, String> values, Envelope e) throws Exception {
        Sealed sealed = seal(name, e.suite(), values, e.partnerKey(), e.merchantKey(), null, null);
        Map<String, String> headers = Map.of("Content-Type", "application/json", "apikey", e.apiKey(),
                "x-ibe-req-name", e.accessCode());
        Answer answer = send("POST", baseUrl + path, headers, utf8(toJson(map("key", sealed.key(), "data", sealed.data()))));
        Map<String, Object> json = answer.json();
        Map<String, String> out = new LinkedHashMap<>();
        if (json == null || !(json.get("key") instanceof String)) { // unknown partner: plaintext {"error_code": "10"}
            out.put("error_code", json == null ? "99" : String.valueOf(json.get("error_code")));
        } else {
            try { // refusals come sealed too, with HTTP 400 or 401: the body is read whatever the status
                out.putAll(open(replyName, e.suite(), (String) json.get("key"), (String) json.get("data"),
                        e.partnerKey(), e.merchantKey(), System.currentTimeMillis()));
            } catch (IllegalArgumentException unopenable) { // e.g. a 04 sealed to the key we did not sign with
                out.put("error_code", "04");
            }
        }
        out.put("http_status", Integer.toString(answer.status()));
        return out;
    }

    // ------------------------------------------------------------------------------------------ vector check

    static int checks = 0;
    static final List<String> FAILURES = new ArrayList<>();

    static void expect(boolean ok, String what) {
        checks++;
        if (!ok) FAILURES.add(what);
    }

    static BigInteger modulus(java.security.Key key) { return ((RSAKey) key).getModulus(); }

    static void checkVectors(Map<String, Object> doc) throws Exception {
        for (Object item : list(obj(doc.get("hmac")).get("requests"))) {
            Map<String, Object> v = obj(item);
            String name = (String) v.get("name");
            byte[] message = utf8(v.get("body") != null ? (String) v.get("body") : (String) v.get("target"));
            String clientId = (String) v.get("client_id");
            String secret = (String) v.get("client_secret");
            String timestamp = (String) v.get("timestamp");
            expect(signingInput(timestamp, clientId, message).equals(v.get("signing_input_base64url")), "hmac " + name + ": signing input");
            expect(hmacSign(clientId, secret, timestamp, message).equals(v.get("signature")), "hmac " + name + ": signature");
            expect(verifySigned(clientId, timestamp, (String) v.get("signature"), message, clientId, List.of(secret), null,
                    Long.parseLong(timestamp)) == null, "hmac " + name + ": verification");
        }
        for (Object item : list(obj(doc.get("hmac")).get("result_links"))) {
            Map<String, Object> l = obj(item);
            String sig = resultLinkSignature((String) l.get("client_secret"), (String) l.get("client_id"),
                    (String) l.get("partner_code"), (String) l.get("transaction_id"), (String) l.get("timestamp"));
            expect(sig.equals(l.get("sig")), "result link: sig");
            expect(resultLink((String) l.get("url_checkout_result"), (String) l.get("client_id"), (String) l.get("client_secret"),
                    (String) l.get("partner_code"), (String) l.get("transaction_id"), (String) l.get("timestamp")).equals(l.get("url")),
                    "result link: url");
        }
        Map<String, Object> k = obj(doc.get("keys"));
        Map<String, PrivateKey> privateKeys = Map.of(
                "partner", loadPrivateKey((String) k.get("partner_private_key_pem")),
                "merchant", loadPrivateKey((String) k.get("merchant_private_key_pem")));
        Map<String, PublicKey> publicKeys = Map.of(
                "partner", loadPublicKey((String) k.get("partner_public_key_pem")),
                "merchant", loadPublicKey((String) k.get("merchant_public_key_pem")));
        expect(modulus(loadPrivateKey((String) k.get("partner_private_key_xml"))).equals(modulus(privateKeys.get("partner"))),
                "partner private key: XML = PEM");
        expect(modulus(loadPublicKey((String) k.get("partner_public_key_xml"))).equals(modulus(publicKeys.get("partner"))),
                "partner public key: XML = PEM");
        PublicKey merchantFromXml = loadPublicKey((String) k.get("merchant_public_key_xml"));
        expect(modulus(merchantFromXml).equals(modulus(publicKeys.get("merchant"))), "merchant public key: XML = PEM");
        for (Object item : list(obj(doc.get("envelope")).get("messages"))) {
            Map<String, Object> v = obj(item);
            String name = (String) v.get("name");
            String suite = (String) v.get("suite");
            String what = "envelope " + name + " (" + suite + ")";
            Map<String, String> values = new LinkedHashMap<>();
            obj(v.get("values")).forEach((key, value) -> values.put(key, (String) value));
            expect(String.join("|", signedLayout(name, suite)).equals(v.get("signed_layout"))
                    && String.join("|", originalLayout(name, suite)).equals(v.get("original_layout")), what + ": layout");
            List<String> signed = new ArrayList<>();
            for (String field : signedLayout(name, suite)) signed.add(values.get(field));
            expect(String.join("|", signed).equals(v.get("signature_data")), what + ": signature data");
            List<String> original = new ArrayList<>();
            for (String field : originalLayout(name, suite)) original.add(field.equals("signature") ? (String) v.get("signature") : values.get(field));
            expect(String.join("|", original).equals(v.get("original_data")), what + ": original data");
            String sender = (String) v.get("sender");
            String receiver = (String) v.get("receiver");
            // the merchant's public key as a .NET partner would load it: from XML
            PublicKey senderPublic = sender.equals("merchant") ? merchantFromXml : publicKeys.get(sender);
            expect(verifyText(suite, senderPublic, (String) v.get("signature_data"), (String) v.get("signature")),
                    what + ": signature verifies");
            byte[] key = hex((String) v.get("symmetric_key_hex"));
            byte[] unwrapped = null;
            try { unwrapped = unwrapKey(suite, privateKeys.get(receiver), b64decode((String) v.get("key"))); } catch (Exception e) { /* below */ }
            expect(unwrapped != null && Arrays.equals(unwrapped, key), what + ": wrapped key unwraps to the symmetric key");
            byte[] nonce = v.get("nonce_hex") == null ? null : hex((String) v.get("nonce_hex"));
            expect(b64url(encryptData(suite, key, utf8((String) v.get("original_data")), nonce)).equals(v.get("data")),
                    what + ": data reproduced from the fixed key");
            try {
                Map<String, String> opened = open(name, suite, (String) v.get("key"), (String) v.get("data"),
                        privateKeys.get(receiver), senderPublic,
                        values.containsKey("timestamp") ? Long.parseLong(values.get("timestamp")) : System.currentTimeMillis());
                expect(opened.equals(values), what + ": opened fields");
            } catch (Exception e) {
                expect(false, what + ": open: " + e.getMessage());
            }
            if (suite.equals("legacy")) { // deterministic signature: our own seal gives the same data, byte for byte
                expect(signText(suite, privateKeys.get(sender), (String) v.get("signature_data")).equals(v.get("signature")),
                        what + ": signature reproduced");
                Sealed sealed = seal(name, suite, values, privateKeys.get(sender), publicKeys.get(receiver), key, null);
                expect(sealed.data().equals(v.get("data")), what + ": sealed data reproduced");
            }
        }
    }

    static byte[] hex(String text) {
        byte[] out = new byte[text.length() / 2];
        for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(text.substring(2 * i, 2 * i + 2), 16);
        return out;
    }

    // ------------------------------------------------------------------------------------- the partner server

    static final class PartnerServer {
        final Map<String, String> o;
        final String clientId;
        final List<String> secrets;
        final Envelope envelope;
        final Map<String, Map<String, Object>> transactions = new ConcurrentHashMap<>();
        final Map<String, Map<String, Object>> refunds = new ConcurrentHashMap<>();
        final Map<String, Map<String, Object>> orders = new ConcurrentHashMap<>();
        final Map<String, Long> seen = new ConcurrentHashMap<>();
        final AtomicInteger counter = new AtomicInteger();
        int port;

        PartnerServer(Map<String, String> o, Envelope envelope) {
            this.o = o;
            this.clientId = o.get("client-id");
            this.secrets = new ArrayList<>();
            if (o.get("client-secret") != null) secrets.add(o.get("client-secret"));
            if (o.get("previous-secret") != null) secrets.add(o.get("previous-secret"));
            this.envelope = envelope;
        }

        static void reply(HttpExchange exchange, int status, String contentType, String body) throws IOException {
            byte[] bytes = utf8(body);
            exchange.getResponseHeaders().set("Content-Type", contentType + "; charset=utf-8");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) { out.write(bytes); }
        }

        static void json(HttpExchange exchange, int status, Map<String, Object> payload) throws IOException {
            reply(exchange, status, "application/json", toJson(payload));
        }

        String authenticate(HttpExchange exchange, byte[] message) {
            var h = exchange.getRequestHeaders();
            return verifySigned(h.getFirst("X-Client-Id"), h.getFirst("X-Timestamp"), h.getFirst("X-Signature"), message,
                    clientId, secrets, seen, System.currentTimeMillis());
        }

        static boolean isId(Object value, int max) {
            return value instanceof String s && !s.isEmpty() && s.length() <= max && !s.contains("|");
        }

        static boolean isAmount(Object value) { return value instanceof Long amount && amount > 0; }

        Map<String, Object> body(byte[] raw) {
            try {
                Object parsed = parseJson(new String(raw, StandardCharsets.UTF_8));
                return parsed instanceof Map ? obj(parsed) : null;
            } catch (RuntimeException e) {
                return null;
            }
        }

        void create(HttpExchange exchange, byte[] raw) throws IOException {
            String problem = authenticate(exchange, raw);
            if (problem != null) { json(exchange, 401, map("code", 7, "message", "authentication failed: " + problem)); return; }
            Map<String, Object> b = body(raw);
            List<Object> bad = new ArrayList<>();
            if (b == null) bad.add("body");
            else {
                if (!isId(b.get("reference_transaction_id"), 40)) bad.add("reference_transaction_id");
                if (!isAmount(b.get("amount"))) bad.add("amount");
                if (!"VND".equals(b.get("currency"))) bad.add("currency");
                if (!(b.get("ipn_url") instanceof String)) bad.add("ipn_url");
                if (!(b.get("return_url") instanceof String)) bad.add("return_url");
                if (!(b.get("expires_at") instanceof Long)) bad.add("expires_at");
                if (!(b.get("customer") instanceof Map) || !isId(obj(b.get("customer")).get("identify_code"), 100)) bad.add("customer.identify_code");
            }
            if (!bad.isEmpty()) { json(exchange, 400, map("code", 1, "message", "invalid request", "data", map("fields", bad))); return; }
            String reference = (String) b.get("reference_transaction_id");
            Map<String, Object> transaction;
            synchronized (transactions) { // idempotent on reference_transaction_id: a repeat answers the same transaction
                transaction = transactions.get(reference);
                if (transaction != null && !transaction.get("amount").equals(b.get("amount"))) {
                    json(exchange, 200, map("code", 5, "message", "amount differs from the first request"));
                    return;
                }
                if (transaction == null) {
                    transaction = new ConcurrentHashMap<>(map("transaction_id", "JAVA-" + System.currentTimeMillis() + "-"
                            + counter.incrementAndGet(), "reference_transaction_id", reference, "amount", b.get("amount"),
                            "status", "PENDING", "ipn_url", b.get("ipn_url"), "return_url", b.get("return_url"),
                            "refunded_amount", 0L));
                    transactions.put(reference, transaction);
                }
            }
            String transactionId = (String) transaction.get("transaction_id");
            json(exchange, 200, map("code", 0, "message", "success", "data", map("transaction_id", transactionId,
                    "payment_url", "http://127.0.0.1:" + port + "/pay/" + URLEncoder.encode(transactionId, StandardCharsets.UTF_8))));
        }

        void query(HttpExchange exchange, String target) throws IOException {
            String problem = authenticate(exchange, utf8(target)); // a GET is signed over its request target
            if (problem != null) { json(exchange, 401, map("code", 7, "message", "authentication failed: " + problem)); return; }
            String reference = queryParam(target, "reference_transaction_id");
            Map<String, Object> transaction = reference == null ? null : transactions.get(reference);
            if (transaction == null) { json(exchange, 200, map("code", 3, "message", "transaction not found")); return; }
            // the merchant reads `amount` here (not transaction_amount)
            json(exchange, 200, map("code", 0, "message", "success", "data", map("transaction_id",
                    transaction.get("transaction_id"), "status", transaction.get("status"), "amount", transaction.get("amount"))));
        }

        void refund(HttpExchange exchange, byte[] raw) throws IOException {
            String problem = authenticate(exchange, raw);
            if (problem != null) { json(exchange, 401, map("code", 7, "message", "authentication failed: " + problem)); return; }
            Map<String, Object> b = body(raw);
            List<Object> bad = new ArrayList<>();
            if (b == null) bad.add("body");
            else {
                if (!isId(b.get("reference_transaction_id"), 40)) bad.add("reference_transaction_id");
                if (!isAmount(b.get("transaction_amount"))) bad.add("transaction_amount");
                if (!isId(b.get("request_id"), 100)) bad.add("request_id");
                if (!(b.get("transaction_id") instanceof String)) bad.add("transaction_id");
            }
            if (!bad.isEmpty()) { json(exchange, 400, map("code", 1, "message", "invalid request", "data", map("fields", bad))); return; }
            Map<String, Object> answer;
            synchronized (refunds) {
                Map<String, Object> previous = refunds.get((String) b.get("request_id"));
                if (previous != null) { json(exchange, 200, obj(previous.get("answer"))); return; } // idempotent on request_id
                Map<String, Object> transaction = transactions.get((String) b.get("reference_transaction_id"));
                long amount = (Long) b.get("transaction_amount");
                if (transaction == null || !transaction.get("transaction_id").equals(b.get("transaction_id"))) {
                    answer = map("code", 3, "message", "transaction not found");
                } else if (!"SUCCESS".equals(transaction.get("status"))) {
                    answer = map("code", 6, "message", "transaction not paid");
                } else if ((Long) transaction.get("refunded_amount") + amount > (Long) transaction.get("amount")) {
                    answer = map("code", 5, "message", "amount exceeds what is left");
                } else {
                    transaction.put("refunded_amount", (Long) transaction.get("refunded_amount") + amount);
                    answer = map("code", 0, "message", "success", "data", map("refund_id", "JAVA-RF-" + (refunds.size() + 1),
                            "request_id", b.get("request_id")));
                }
                refunds.put((String) b.get("request_id"), map("answer", answer, "request", b));
            }
            json(exchange, 200, answer);
        }

        void approve(HttpExchange exchange, String transactionId) throws Exception {
            Map<String, Object> transaction = null;
            for (Map<String, Object> item : transactions.values()) if (item.get("transaction_id").equals(transactionId)) transaction = item;
            if (transaction == null) { json(exchange, 404, map("error", "no such transaction")); return; }
            transaction.put("status", "SUCCESS");
            Answer ipn = hmacPost((String) transaction.get("ipn_url"), clientId, secrets.get(0), map(
                    "reference_transaction_id", transaction.get("reference_transaction_id"),
                    "transaction_amount", transaction.get("amount"), "transaction_id", transactionId,
                    "status", "SUCCESS", "partner_banking_method", "WALLET"));
            String link = resultLink((String) transaction.get("return_url"), clientId, secrets.get(0), o.get("partner-code"),
                    transactionId, Long.toString(System.currentTimeMillis()));
            json(exchange, 200, map("transaction_id", transactionId, "ipn", map("http_status", ipn.status(), "answer", ipn.json()),
                    "result_url", link));
        }

        void placeOrder(HttpExchange exchange, String target) throws Exception {
            Map<String, String> fields;
            try {
                fields = open("place_order", envelope.suite(), queryParam(target, "key"), queryParam(target, "data"),
                        envelope.partnerKey(), envelope.merchantKey(), System.currentTimeMillis());
            } catch (Exception e) {
                json(exchange, 400, map("error", e.getMessage()));
                return;
            }
            if (!envelope.accessCode().equals(fields.get("access_code"))) { json(exchange, 400, map("error", "access code mismatch")); return; }
            Map<String, Object> order = new ConcurrentHashMap<>(fields);
            order.put("partner_trans_id", "JAVA-ENV-" + counter.incrementAndGet());
            order.put("status", "PENDING");
            orders.put(fields.get("booking_number"), order);
            json(exchange, 200, order);
        }

        void commit(HttpExchange exchange, String bookingNumber) throws Exception {
            Map<String, Object> order = orders.get(bookingNumber);
            if (order == null) { json(exchange, 404, map("error", "no such order")); return; }
            order.put("status", "SUCCESS");
            Map<String, String> answer = envelopeCall(o.get("base-url"), envelopePath(o, "commit"), "commit_request",
                    "commit_response", Map.of("access_code", envelope.accessCode(), "booking_number", bookingNumber,
                            "partner_trans_id", (String) order.get("partner_trans_id"),
                            "product_type", (String) order.get("product_type")), envelope);
            json(exchange, 200, new LinkedHashMap<>(answer));
        }

        void handle(HttpExchange exchange) throws IOException {
            try {
                String path = exchange.getRequestURI().getRawPath();
                String query = exchange.getRequestURI().getRawQuery();
                String target = query == null ? path : path + "?" + query;
                String method = exchange.getRequestMethod();
                byte[] raw = exchange.getRequestBody().readAllBytes();
                Matcher pay = Pattern.compile("^/pay/([^/]+)(/approve)?$").matcher(path);
                Matcher envelopePay = Pattern.compile("^/envelope/pay/([^/]+)/approve$").matcher(path);
                if (method.equals("POST") && path.equals("/txn")) create(exchange, raw);
                else if (method.equals("GET") && path.equals("/txn/query")) query(exchange, target);
                else if (method.equals("POST") && path.equals("/refund")) refund(exchange, raw);
                else if (pay.matches() && pay.group(2) == null && method.equals("GET")) {
                    reply(exchange, 200, "text/html", "<!doctype html><title>Pay</title><form method=\"post\" action=\"/pay/"
                            + pay.group(1) + "/approve\"><button>Pay</button></form>");
                } else if (pay.matches() && pay.group(2) != null && method.equals("POST")) {
                    approve(exchange, URLDecoder.decode(pay.group(1), StandardCharsets.UTF_8));
                } else if (method.equals("GET") && path.equals("/envelope/pay")) placeOrder(exchange, target);
                else if (envelopePay.matches() && method.equals("POST")) {
                    commit(exchange, URLDecoder.decode(envelopePay.group(1), StandardCharsets.UTF_8));
                } else if (method.equals("GET") && path.equals("/state")) {
                    json(exchange, 200, map("transactions", new ArrayList<>(transactions.values()),
                            "refunds", new ArrayList<>(refunds.values()), "envelope_orders", new ArrayList<>(orders.values())));
                } else json(exchange, 404, map("code", 1, "message", "no such endpoint"));
            } catch (Exception e) {
                json(exchange, 500, map("code", 2, "message", "system error: " + e));
            }
        }
    }

    static String queryParam(String target, String name) {
        int q = target.indexOf('?');
        if (q < 0) return null;
        for (String pair : target.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (key.equals(name)) return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        }
        return null;
    }

    // ----------------------------------------------------------------------------------------------------- CLI

    static Map<String, String> options(String[] args, int from) {
        Map<String, String> o = new HashMap<>();
        for (int i = from; i < args.length; i++) {
            if (!args[i].startsWith("--")) throw new IllegalArgumentException("unexpected argument " + args[i]);
            String name = args[i].substring(2);
            if (i + 1 < args.length && !args[i + 1].startsWith("--")) o.put(name, args[++i]);
            else o.put(name, "true");
        }
        return o;
    }

    static void need(Map<String, String> o, String... names) {
        List<String> missing = new ArrayList<>();
        for (String name : names) if (o.get(name) == null) missing.add("--" + name);
        if (!missing.isEmpty()) {
            System.err.println("missing " + String.join(", ", missing));
            System.exit(2);
        }
    }

    /** The path of an envelope call: /api/v1/partner/<call>, or with --paths gotadi the alias /api/partner/<call>. */
    static String envelopePath(Map<String, String> o, String call) {
        String paths = o.getOrDefault("paths", "v1");
        if (!paths.equals("v1") && !paths.equals("gotadi")) {
            System.err.println("--paths must be v1 or gotadi");
            System.exit(2);
        }
        return (paths.equals("gotadi") ? "/api/partner/" : "/api/v1/partner/") + call;
    }

    static Envelope envelopeOptions(Map<String, String> o) throws Exception {
        need(o, "api-key", "access-code", "partner-key", "merchant-key");
        return new Envelope(o.getOrDefault("suite", "modern"), o.get("api-key"), o.get("access-code"),
                privateKeyFile(o.get("partner-key")), publicKeyFile(o.get("merchant-key")));
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: java Partner check-vectors FILE | launch | transaction | ipn | result-link | "
                    + "envelope-login | envelope-query | serve  [--option value ...]");
            System.exit(2);
        }
        String command = args[0];
        boolean positional = args.length > 1 && !args[1].startsWith("--");
        Map<String, String> o = options(args, positional ? 2 : 1);
        String base = o.getOrDefault("base-url", "").replaceAll("/$", "");
        switch (command) {
            case "check-vectors" -> {
                checkVectors(obj(parseJson(Files.readString(Path.of(positional ? args[1] : o.get("file"))))));
                for (String failure : FAILURES) System.err.println("MISMATCH " + failure);
                System.out.println((checks - FAILURES.size()) + "/" + checks + " vector checks passed");
                System.exit(FAILURES.isEmpty() ? 0 : 1);
            }
            case "launch" -> {
                need(o, "base-url", "client-id", "client-secret");
                Map<String, Object> launch = map("identify_code", o.getOrDefault("identify-code", "user-42"),
                        "identify_phone", o.getOrDefault("identify-phone", "0912345678"));
                for (String name : List.of("identify-fullname", "email", "product", "layout", "locale")) {
                    if (o.get(name) != null) launch.put(name.replace('-', '_'), o.get(name));
                }
                Map<String, Object> answer = hmacPost(base + "/api/v1/webview-url", o.get("client-id"), o.get("client-secret"), launch).json();
                if (answer == null || !Long.valueOf(0).equals(answer.get("code"))) {
                    System.err.println("refused: " + (answer == null ? "no JSON" : "code " + answer.get("code") + ": " + answer.get("message")));
                    System.exit(1);
                }
                System.out.println(obj(answer.get("data")).get("url_open"));
            }
            case "transaction" -> {
                need(o, "base-url", "client-id", "client-secret", "reference");
                Answer answer = hmacGet(base + "/api/v1/transaction?reference_transaction_id="
                        + URLEncoder.encode(o.get("reference"), StandardCharsets.UTF_8), o.get("client-id"), o.get("client-secret"));
                System.out.println(answer.body().trim());
                System.exit(answer.json() != null && Long.valueOf(0).equals(answer.json().get("code")) ? 0 : 1);
            }
            case "ipn" -> {
                need(o, "base-url", "client-id", "client-secret", "reference", "amount", "transaction-id");
                Answer answer = hmacPost(base + "/api/v1/payment/ipn", o.get("client-id"), o.get("client-secret"), map(
                        "reference_transaction_id", o.get("reference"), "transaction_amount", Long.parseLong(o.get("amount")),
                        "transaction_id", o.get("transaction-id"), "status", o.getOrDefault("status", "SUCCESS")));
                System.out.println(answer.body().trim());
                System.exit(answer.json() != null && Long.valueOf(0).equals(answer.json().get("code")) ? 0 : 1);
            }
            case "result-link" -> {
                need(o, "url-checkout-result", "client-id", "client-secret", "partner-code", "transaction-id");
                System.out.println(resultLink(o.get("url-checkout-result"), o.get("client-id"), o.get("client-secret"),
                        o.get("partner-code"), o.get("transaction-id"), Long.toString(System.currentTimeMillis())));
            }
            case "envelope-login" -> {
                need(o, "base-url");
                Envelope e = envelopeOptions(o);
                Map<String, String> answer = envelopeCall(base, envelopePath(o, "login"), "login_request", "login_response",
                        Map.of("access_code", e.accessCode(), "user_id", o.getOrDefault("user-id", "user-42"),
                                "layout", o.getOrDefault("layout", "dual"), "product", o.getOrDefault("product", "flight")), e);
                if (!"00".equals(answer.get("error_code"))) {
                    System.err.println("refused: error_code " + answer.get("error_code"));
                    System.exit(1);
                }
                System.out.println(answer.get("redirect_url"));
            }
            case "envelope-query" -> {
                need(o, "base-url", "booking-number");
                Envelope e = envelopeOptions(o);
                Map<String, String> answer = envelopeCall(base, envelopePath(o, "query-trans"), "query_request",
                        "query_response", Map.of("access_code", e.accessCode(), "booking_number", o.get("booking-number")), e);
                System.out.println(toJson(new LinkedHashMap<String, Object>(answer)));
                System.exit("00".equals(answer.get("error_code")) ? 0 : 1);
            }
            case "serve" -> {
                Envelope e = o.get("access-code") != null ? envelopeOptions(o) : null;
                if (e == null) need(o, "client-id", "client-secret", "partner-code");
                PartnerServer partner = new PartnerServer(o, e);
                HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1",
                        Integer.parseInt(o.getOrDefault("port", "0"))), 0);
                server.createContext("/", partner::handle);
                server.setExecutor(Executors.newFixedThreadPool(4));
                server.start();
                partner.port = server.getAddress().getPort();
                System.out.println("listening on http://127.0.0.1:" + partner.port);
                System.out.flush();
            }
            default -> {
                System.err.println("unknown command " + command);
                System.exit(2);
            }
        }
    }
}
