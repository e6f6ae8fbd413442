using Microsoft.Extensions.Options;
using VitalTwin.Clinical;
using VitalTwin.Clinical.Consent;
using VitalTwin.Kafka;

namespace VitalTwin.Gateway.Devices;

/// <summary>
/// Unbinds the devices of patients whose consent is refused or withdrawn (the patients the other services erase):
/// a tombstone per device on the compacted devices topic, so compaction removes the binding, which names the
/// patient, instead of keeping it for ever; the device is unknown until registered again. Looks at start and every
/// <see cref="GatewayOptions.DeviceErasureInterval"/>, so a withdrawal recorded while the Gateway was down counts too.
/// </summary>
internal sealed partial class ErasedPatientDevices(
    DeviceBindings bindings,
    DeviceCredentials credentials,
    DeviceRecords records,
    ConsentBook consent,
    EventProducer producer,
    IOptions<KafkaTopics> topics,
    IOptions<GatewayOptions> options,
    TimeProvider clock,
    ILogger<ErasedPatientDevices> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.DeviceErasureInterval, clock);
        try
        {
            do
            {
                await UnbindErasedAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task UnbindErasedAsync(CancellationToken cancellationToken)
    {
        var unbound = 0;
        foreach (var binding in bindings.OpenBindings().Where(b => IsErased(b.PatientId)))
        {
            await credentials.Changes.WaitAsync(cancellationToken);
            try
            {
                // A registration may have moved the device meanwhile: only the erased patient's binding goes.
                if (bindings.BindingsOf(binding.DeviceId) is not [.., { Until: null } latest] || latest.PatientId != binding.PatientId)
                {
                    continue;
                }
                records.Erased(binding.DeviceId, await producer.PublishTombstoneAsync(topics.Value.Devices, binding.DeviceId, cancellationToken));
                unbound++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex.GetType().Name);
                return;
            }
            finally
            {
                credentials.Changes.Release();
            }
        }
        if (unbound > 0)
        {
            LogUnbound(logger, unbound);
        }
    }

    private bool IsErased(string patientId) => consent.Find(patientId)?.Status is ConsentStatus.Refused or ConsentStatus.Withdrawn;

    [LoggerMessage(Level = LogLevel.Information, Message = "Unbound {Devices} devices of patients whose consent is refused or withdrawn")]
    private static partial void LogUnbound(ILogger logger, int devices);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unbinding the devices of patients whose consent ended failed ({Error}); retried at the next look")]
    private static partial void LogFailed(ILogger logger, string error);
}
