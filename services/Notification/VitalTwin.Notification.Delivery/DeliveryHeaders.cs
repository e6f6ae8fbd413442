namespace VitalTwin.Notification.Delivery;

/// <summary>
/// What a subscriber receives besides the body: the CloudEvents 1.0 HTTP binary binding, so integration engines
/// recognise the event, an idempotency key, and an optional signature.
/// </summary>
public static class DeliveryHeaders
{
    /// <summary>The same for every attempt at one record for one subscriber: subscribers de-duplicate on it.</summary>
    public const string IdempotencyKey = "Idempotency-Key";

    public const string SpecVersion = "ce-specversion";

    /// <summary>Equal to <see cref="IdempotencyKey"/>.</summary>
    public const string Id = "ce-id";

    /// <summary>The record's Protobuf full name, e.g. <c>vitaltwin.alerting.v1.AlertRaised</c>.</summary>
    public const string Type = "ce-type";

    public const string Source = "ce-source";

    /// <summary>The alert id.</summary>
    public const string Subject = "ce-subject";

    /// <summary>When the lifecycle event happened (raised, acknowledged...), not when it was sent.</summary>
    public const string Time = "ce-time";

    /// <summary>
    /// <c>v1=</c> and the lower-case hex HMAC-SHA256, keyed with the subscription's secret (its UTF-8 bytes), of
    /// <see cref="Timestamp"/>, a '.', <see cref="IdempotencyKey"/>, a '.', and the body. Sent with a secret only.
    /// </summary>
    public const string Signature = "VitalTwin-Signature";

    /// <summary>When the attempt was sent, in whole seconds since the Unix epoch; signed, so a receiver can refuse old requests replayed.</summary>
    public const string Timestamp = "VitalTwin-Timestamp";

    /// <summary>On the dead-letter topic: the subscription that refused the record.</summary>
    public const string DeadLetterSubscription = "dead-letter-subscription";

    /// <summary>On the dead-letter topic: the HTTP status the subscriber refused the record with.</summary>
    public const string DeadLetterHttpStatus = "dead-letter-http-status";

    /// <summary>The <c>dead-letter-reason</c> of a record a subscriber refused for good (a 4xx other than 408 and 429).</summary>
    public const string RejectedReason = "WebhookRejected";
}
