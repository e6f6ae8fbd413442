using System.Globalization;
using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VitalTwin.Clinical.Consent;
using VitalTwin.Kafka;

namespace VitalTwin.Notification.Delivery;

/// <summary>
/// Delivers the alerts topic to one subscriber. The topic is the outbox: this consumer has a group of its own,
/// and the base loop stores a record's offset only when <see cref="HandleAsync"/> returns, which is after the
/// subscriber accepted it (or refused it for good and it was dead-lettered). So a subscriber that is down holds
/// its own group's offsets, in partition order, and nothing else; what it missed is delivered when it returns,
/// from this process or, after a restart, from the next.
/// </summary>
internal sealed partial class WebhookConsumer(
    WebhookSubscription subscription,
    WebhookSender sender,
    ConsentBook consents,
    DeliveryMetrics metrics,
    IOptions<DeliveryOptions> delivery,
    EventConsumerContext context,
    ILogger<WebhookConsumer> logger)
    : EventConsumer(context, logger, serviceGroupId => GroupId(serviceGroupId, subscription.Name))
{
    private readonly PriorityFilter _filter = new(subscription.MinPriority);
    private readonly ILogger _logger = logger;

    public string SubscriptionName => subscription.Name;

    public static string GroupId(string serviceGroupId, string subscriptionName) => $"{serviceGroupId}-webhook-{subscriptionName}";

    protected override async Task HandleAsync(ConsumedEvent consumed, CancellationToken cancellationToken)
    {
        if (AlertRecord.Read(consumed) is not { } alert)
        {
            LogUnknownRecord(_logger, subscription.Name, consumed.Schema ?? "(none)");
            return;
        }
        if (!_filter.Admits(alert))
        {
            LogBelowMinimumPriority(_logger, alert.AlertId, subscription.Name);
            return;
        }
        // Every record has a message id; the position is as stable a fallback, should a producer leave it out.
        var messageId = consumed.MessageId ?? $"{consumed.Position.Topic}/{consumed.Position.Partition.Value}/{consumed.Position.Offset.Value}";
        var request = WebhookRequest.Create(subscription, alert, messageId, delivery.Value.Source, delivery.Value.Fhir);
        // Asked before every attempt: a backlog held up by a subscriber that was down must not leave once consent is withdrawn.
        if (await sender.SendAsync(subscription, request, () => alert.MayBeDelivered(consents), cancellationToken) is not { } status)
        {
            // Not retried and not dead-lettered: the record is done with, like one below the minimum priority.
            metrics.Suppressed(subscription.Name);
            LogWithheld(_logger, alert.AlertId, alert.Schema, subscription.Name);
            return;
        }
        if ((int)status is >= 200 and < 300)
        {
            metrics.Delivered(subscription.Name);
            LogDelivered(_logger, alert.AlertId, alert.Schema, subscription.Name, (int)status);
            return;
        }
        await DeadLetterAsync(consumed, alert, messageId, status, cancellationToken);
    }

    /// <summary>
    /// A refusal retrying cannot change (bad request, unauthorised, gone...) must not stop the alerts behind it:
    /// the record goes to the dead-letter topic, saying which subscriber refused it and how, and delivery goes on.
    /// </summary>
    private async Task DeadLetterAsync(ConsumedEvent consumed, AlertRecord alert, string messageId, HttpStatusCode status, CancellationToken cancellationToken)
    {
        KeyValuePair<string, string>[] headers =
        [
            new(EventHeaders.AlertId, alert.AlertId),
            new(EventHeaders.DeadLetterReason, DeliveryHeaders.RejectedReason),
            new(EventHeaders.DeadLetterSourceTopic, consumed.Topic),
            new(DeliveryHeaders.DeadLetterSubscription, subscription.Name),
            new(DeliveryHeaders.DeadLetterHttpStatus, ((int)status).ToString(CultureInfo.InvariantCulture)),
        ];
        await Producer.PublishAsync(Topics.DeadLetter, consumed.Key, alert.Message, messageId, headers, cancellationToken);
        metrics.DeadLettered(subscription.Name);
        LogRejected(_logger, alert.AlertId, alert.Schema, subscription.Name, (int)status);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} {Schema} delivered to {Subscription} ({Status})")]
    private static partial void LogDelivered(ILogger logger, string alertId, string schema, string subscription, int status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert {AlertId} {Schema} refused by {Subscription} with {Status}; sent to the dead-letter topic")]
    private static partial void LogRejected(ILogger logger, string alertId, string schema, string subscription, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} {Schema} not sent to {Subscription}: the patient's consent does not allow it")]
    private static partial void LogWithheld(ILogger logger, string alertId, string schema, string subscription);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Alert {AlertId} is below the minimum priority of {Subscription}; not sent")]
    private static partial void LogBelowMinimumPriority(ILogger logger, string alertId, string subscription);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Record of unknown type {Schema} skipped for {Subscription}")]
    private static partial void LogUnknownRecord(ILogger logger, string subscription, string schema);
}
