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
/// after a restart, sends the same bytes and the same headers.
/// </summary>
internal sealed class WebhookRequest
{
    private const string JsonMediaType = "application/json";
    private const string FhirJsonMediaType = "application/fhir+json";
    private static readonly ProductInfoHeaderValue UserAgent = new("VitalTwin-Notification", "1");

    private WebhookRequest(string alertId, string idempotencyKey, string type, string source, DateTimeOffset? time, byte[] body, string mediaType, string? signature)
    {
        AlertId = alertId;
        IdempotencyKey = idempotencyKey;
        Type = type;
        Source = source;
        Time = time;
        Body = body;
        MediaType = mediaType;
        Signature = signature;
    }

    public string AlertId { get; }
    public string IdempotencyKey { get; }
    public string Type { get; }
    public string Source { get; }
    public DateTimeOffset? Time { get; }
    public byte[] Body { get; }
    public string MediaType { get; }
    public string? Signature { get; }

    public static WebhookRequest Create(WebhookSubscription subscription, AlertRecord alert, string messageId, string source)
    {
        var key = IdempotencyKeyFor(subscription.Name, messageId);
        var (body, mediaType) = Render(subscription.Format, alert.Message);
        var signature = subscription.Secret is { Length: > 0 } secret ? Sign(secret, key, body) : null;
        return new WebhookRequest(alert.AlertId, key, alert.Schema, source, alert.OccurredAt, body, mediaType, signature);
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

    public static (byte[] Body, string MediaType) Render(WebhookFormat format, IMessage message) => format switch
    {
        WebhookFormat.Json => (Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(message)), JsonMediaType),
        WebhookFormat.FhirR4 => (FhirJsonSerializer.Default.SerializeToBytes(AlertFhirMapper.ToBundle(message)), FhirJsonMediaType),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown webhook format."),
    };

    public static string Sign(string secret, string idempotencyKey, byte[] body)
    {
        var signed = new byte[Encoding.UTF8.GetByteCount(idempotencyKey) + 1 + body.Length];
        var written = Encoding.UTF8.GetBytes(idempotencyKey, signed);
        signed[written] = (byte)'.';
        body.CopyTo(signed, written + 1);
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>A fresh message per attempt: a sent HttpRequestMessage cannot be sent again.</summary>
    public HttpRequestMessage ToHttpRequest(Uri url)
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
        if (Signature is not null)
        {
            request.Headers.Add(DeliveryHeaders.Signature, Signature);
        }
        return request;
    }
}
