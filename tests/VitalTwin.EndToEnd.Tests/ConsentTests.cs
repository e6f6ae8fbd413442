using Grpc.Core;
using VitalTwin.Contracts.Consent.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.EndToEnd.Tests;

/// <summary>
/// Issue 8 across the running system: consent withdrawn through the ConsentRegistry mid-stream stops the Gateway
/// taking the patient's readings, and TwinState removes the twin and its history; another patient carries on.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ConsentTests(SystemFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly VitalSignIngestion.VitalSignIngestionClient _ingestion = new(system.Channel("Gateway"));
    private readonly DeviceRegistry.DeviceRegistryClient _devices = new(system.Channel("Gateway"));
    private readonly TwinQuery.TwinQueryClient _twins = new(system.Channel("TwinState"));
    private readonly ConsentRegistry.ConsentRegistryClient _consent = new(system.Channel("TwinState"));

    [Fact]
    public async Task Consent_withdrawn_mid_stream_refuses_later_readings_and_removes_the_twin_and_its_history_while_another_patient_is_unaffected()
    {
        var withdrawing = Readings.ForNewPatient("consent-withdrawn");
        var staying = Readings.ForNewPatient("consent-staying");
        await withdrawing.RegisterAsync(_devices);
        await staying.RegisterAsync(_devices);
        foreach (var patient in new[] { withdrawing, staying })
        {
            await _ingestion.IngestAsync(patient.Vitals(heartRate: 72, spo2: 97, respiratoryRate: 14, systolic: 120, temperature: 36.8), patient.Credential);
        }
        await _twins.WaitForTwinAsync(withdrawing.PatientId, t => t.Vitals.Count == 5, Timeout);
        await _twins.WaitForTwinAsync(staying.PatientId, t => t.Vitals.Count == 5, Timeout);
        await Polling.UntilAsync(token => _twins.GetVitalHistoryAsync(HistoryOf(withdrawing.PatientId), cancellationToken: token).ResponseAsync, h => h.Series.Count == 5, Timeout);

        await _consent.RecordConsentAsync(new RecordConsentRequest { PatientId = withdrawing.PatientId, State = ConsentState.Withdrawn, Reference = "e2e-withdrawal" });

        // The Gateway follows the consent topic: a reading is refused once it has seen the withdrawal.
        var refused = await Polling.UntilAsync(
            token => _ingestion.IngestAsync(new VitalSignBatch { Readings = { withdrawing.Reading(Readings.HeartRate, 75, "/min") } }, withdrawing.Credential, cancellationToken: token).ResponseAsync,
            ack => ack.Rejected == 1,
            Timeout);
        Assert.Equal(RejectionReason.NoConsent, Assert.Single(refused.Rejections).Reason);
        await UntilNotFoundAsync(token => _twins.GetTwinAsync(new GetTwinRequest { PatientId = withdrawing.PatientId }, cancellationToken: token).ResponseAsync);
        await UntilNotFoundAsync(token => _twins.GetVitalHistoryAsync(HistoryOf(withdrawing.PatientId), cancellationToken: token).ResponseAsync);

        var accepted = await _ingestion.IngestAsync(new VitalSignBatch { Readings = { staying.Reading(Readings.HeartRate, 80, "/min") } }, staying.Credential);
        Assert.Equal(1u, accepted.Accepted);
        var twin = await _twins.WaitForTwinAsync(staying.PatientId, t => t.ReadingsApplied == 6, Timeout);
        Assert.Equal(80, twin.Vitals.Single(v => v.Code.Loinc == "8867-4").Value);
        var history = await Polling.UntilAsync(token => _twins.GetVitalHistoryAsync(HistoryOf(staying.PatientId), cancellationToken: token).ResponseAsync, h => h.Series.Count == 5, Timeout);
        Assert.Equal(5, history.Series.Count);
        var consent = await _consent.GetConsentAsync(new GetConsentRequest { PatientId = withdrawing.PatientId });
        Assert.Equal(ConsentState.Withdrawn, consent.State);
    }

    private static GetVitalHistoryRequest HistoryOf(string patientId) =>
        new() { PatientId = patientId, From = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)) };

    /// <summary>Asks until the service answers NOT_FOUND: what is erased goes asynchronously, after the consent is on the topic.</summary>
    private static async Task UntilNotFoundAsync(Func<CancellationToken, Task> ask)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            do
            {
                try
                {
                    await ask(deadline.Token);
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
                {
                    return;
                }
            }
            while (await poll.WaitForNextTickAsync(deadline.Token));
        }
        catch (Exception ex) when (deadline.IsCancellationRequested && ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
        }

        throw new TimeoutException($"Still found after {Timeout}");
    }
}
