using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Hl7.Fhir.Serialization;
using VitalTwin.Notification.Delivery.Fhir;

namespace VitalTwin.Notification.Delivery;

/// <summary>
/// One record as one subscriber receives it. Built once per record, so every attempt, in this process or
/// after a restart, sends the same bytes and the same headers, but for the signature's timestamp: that is the
/// attempt's own, so a receiver can refuse an old request replayed without refusing a late retry.
/// </summary>
internal sealed class WebhookRequest
{
    private const string JsonMediaType = "application/json";
    private const string FhirJsonMediaType = "application/fhir+json";

    /// <summary>Names the signing scheme, so a receiver can tell a later one apart.</summary>
    public const string SignatureVersion = "v1=";
    private static readonly ProductInfoHeaderValue UserAgent = new("VitalTwin-Notification", "1");

    private readonly byte[]? _secret;

    private WebhookRequest(string alertId, string idempotencyKey, string type, string source, DateTimeOffset? time, byte[] body, string mediaType, byte[]? secret)
    {
        AlertId = alertId;
        IdempotencyKey = idempotencyKey;
        Type = type;
        Source = source;
        Time = time;
        Body = body;
        MediaType = mediaType;
        _secret = secret;
    }

    public string AlertId { get; }
    public string IdempotencyKey { get; }
    public string Type { get; }
    public string Source { get; }
    public DateTimeOffset? Time { get; }
    public byte[] Body { get; }
    public string MediaType { get; }

    public static WebhookRequest Create(WebhookSubscription subscription, AlertRecord alert, string messageId, string source, FhirOptions fhir)
    {
        var key = IdempotencyKeyFor(subscription.Name, messageId);
        var (body, mediaType) = Render(subscription.Format, alert.Message, fhir);
        var secret = subscription.Secret is { Length: > 0 } text ? Encoding.UTF8.GetBytes(text) : null;
        return new WebhookRequest(alert.AlertId, key, alert.Schema, source, alert.OccurredAt, body, mediaType, secret);
    }

    /// <summary>
    /// Derived from the record's message id and the subscription, so a redelivery after a failure or a restart
    /// carries the same key, while two subscriptions that happen to reach the same engine do not collide.
    /// </summary>
    public static string IdempotencyKeyFor(string subscription, string messageId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{subscription}\n{messageId}"));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }

    public static (byte[] Body, string MediaType) Render(WebhookFormat format, IMessage message, FhirOptions fhir) => format switch
    {
        WebhookFormat.Json => (Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(message)), JsonMediaType),
        WebhookFormat.FhirR4 => (FhirJsonSerializer.Default.SerializeToBytes(AlertFhirMapper.ToBundle(message, fhir)), FhirJsonMediaType),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown webhook format."),
    };

    /// <summary>The <see cref="DeliveryHeaders.Timestamp"/> of an attempt at <paramref name="now"/>: whole seconds since the Unix epoch.</summary>
    public static string TimestampOf(DateTimeOffset now) => now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The <see cref="DeliveryHeaders.Signature"/>: <c>v1=</c> and the lower-case hex HMAC-SHA256, keyed with the
    /// secret's UTF-8 bytes, of the timestamp, a '.', the idempotency key, a '.', and the body as sent.
    /// </summary>
    public static string Sign(ReadOnlySpan<byte> secret, string timestamp, string idempotencyKey, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{timestamp}.{idempotencyKey}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return SignatureVersion + Convert.ToHexStringLower(HMACSHA256.HashData(secret, signed));
    }

    /// <summary>A fresh message per attempt: a sent HttpRequestMessage cannot be sent again.</summary>
    public HttpRequestMessage ToHttpRequest(Uri url, DateTimeOffset now)
    {
        var content = new ByteArrayContent(Body);
        content.Headers.ContentType = new MediaTypeHeaderValue(MediaType);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.UserAgent.Add(UserAgent);
        request.Headers.Add(DeliveryHeaders.IdempotencyKey, IdempotencyKey);
        request.Headers.Add(DeliveryHeaders.SpecVersion, "1.0");
        request.Headers.Add(DeliveryHeaders.Id, IdempotencyKey);
        request.Headers.Add(DeliveryHeaders.Type, Type);
        request.Headers.Add(DeliveryHeaders.Source, Source);
        request.Headers.Add(DeliveryHeaders.Subject, AlertId);
        if (Time is { } time)
        {
            request.Headers.Add(DeliveryHeaders.Time, time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        }
        if (_secret is not null)
        {
            var timestamp = TimestampOf(now);
            request.Headers.Add(DeliveryHeaders.Timestamp, timestamp);
            request.Headers.Add(DeliveryHeaders.Signature, Sign(_secret, timestamp, IdempotencyKey, Body));
        }
        return request;
    }
}
