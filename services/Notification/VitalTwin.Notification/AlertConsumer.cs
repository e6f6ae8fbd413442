using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.Kafka;
using VitalTwin.Notification.Core;

namespace VitalTwin.Notification;

/// <summary>Runs the alert policy over twin events and anomalies and publishes the alerts it raises.</summary>
internal sealed partial class AlertConsumer(
    AlertPolicy policy,
    VitalCatalogue catalogue,
    TimeProvider clock,
    EventProducer producer,
    IOptions<KafkaOptions> kafka,
    IOptions<KafkaTopics> topics,
    IHostEnvironment environment,
    ILogger<AlertConsumer> logger)
    : EventConsumer(kafka, topics, producer, environment, logger)
{
    private readonly ILogger _logger = logger;

    protected override IReadOnlyCollection<string> SubscribedTopics(KafkaTopics topics) => [topics.TwinEvents, topics.Anomalies];

    protected override async Task HandleAsync(ConsumedEvent consumed, CancellationToken cancellationToken)
    {
        if (consumed.Is(TwinNews2Changed.Descriptor))
        {
            var changed = consumed.Parse(TwinNews2Changed.Parser);
            foreach (var decision in policy.OnNews2Changed(changed.PatientId, changed.News2.ToDomain(), changed.Vitals.ToDomain(catalogue), changed.ObservedAt.ToDateTimeOffset()))
            {
                await RaiseAsync(decision, changed.EventId, cancellationToken);
            }
        }
        else if (consumed.Is(AnomalyDetected.Descriptor))
        {
            var anomaly = consumed.Parse(AnomalyDetected.Parser);
            if (anomaly.Kind is not (AnomalyKind.Spike or AnomalyKind.ChangePoint) || !catalogue.TryFind(anomaly.Code?.Loinc, anomaly.Code?.Mdc, out var definition))
            {
                return;
            }
            var spike = new SpikeObservation(
                anomaly.PatientId, definition.Sign, anomaly.Value, anomaly.Unit, anomaly.BaselineMean, anomaly.PValue,
                anomaly.Direction == Direction.Up, anomaly.ObservedAt.ToDateTimeOffset(),
                LastingChange: anomaly.Kind == AnomalyKind.ChangePoint,
                Explanation: string.IsNullOrEmpty(anomaly.Explanation) ? null : anomaly.Explanation);
            if (policy.OnSpike(spike) is { } decision)
            {
                await RaiseAsync(decision, anomaly.EventId, cancellationToken);
            }
        }
    }

    private async Task RaiseAsync(AlertDecision decision, string sourceEventId, CancellationToken cancellationToken)
    {
        var raised = decision.ToAlertRaised(sourceEventId, clock.GetUtcNow(), catalogue);
        await Producer.PublishAsync(Topics.Alerts, raised.PatientId, raised, raised.AlertId, cancellationToken);
        LogRaised(_logger, raised.AlertId, decision.Condition, decision.Priority);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} raised: {Condition}, {Priority} priority")]
    private static partial void LogRaised(ILogger logger, string alertId, AlertCondition condition, AlertPriority priority);
}
