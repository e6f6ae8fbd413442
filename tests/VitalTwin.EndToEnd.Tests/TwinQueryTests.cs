using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using VitalTwin.Contracts.Anomaly.V1;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Contracts.Twin.V1;

namespace VitalTwin.EndToEnd.Tests;

[Collection(SystemCollection.Name)]
public sealed class TwinQueryTests(SystemFixture system)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly VitalSignIngestion.VitalSignIngestionClient _ingestion = new(system.Channel("Gateway"));
    private readonly DeviceRegistry.DeviceRegistryClient _devices = new(system.Channel("Gateway"));
    private readonly TwinQuery.TwinQueryClient _twins = new(system.Channel("TwinState"));

    [Fact]
    public async Task ListTwins_filters_by_ward_and_minimum_news2_and_pages_within_the_filter()
    {
        var ward = UniqueWard();
        var stable = await PatientWithVitalsAsync("list-stable", Stable);
        var sick = await PatientWithVitalsAsync("list-sick", Deteriorated);
        var sickElsewhere = await PatientWithVitalsAsync("list-elsewhere", Deteriorated);
        await SetContextAsync(stable, new PatientContext { Ward = ward, Bed = "1" });
        await SetContextAsync(sick, new PatientContext { Ward = ward, Bed = "2" });

        var onWard = await _twins.ListTwinsAsync(new ListTwinsRequest { Ward = ward });
        Assert.Equal(new[] { stable, sick }.Order(StringComparer.Ordinal), onWard.Twins.Select(t => t.PatientId));
        Assert.All(onWard.Twins, t => Assert.Equal(ward, t.Context.Ward));
        Assert.Empty(onWard.NextPageToken);

        var sickOnWard = await _twins.ListTwinsAsync(new ListTwinsRequest { Ward = ward, MinNews2 = 5 });
        Assert.Equal(sick, Assert.Single(sickOnWard.Twins).PatientId);

        var sickAnywhere = await ListAllAsync(new ListTwinsRequest { MinNews2 = 7, PageSize = 50 });
        Assert.Contains(sick, sickAnywhere);
        Assert.Contains(sickElsewhere, sickAnywhere);
        Assert.DoesNotContain(stable, sickAnywhere);

        var first = await _twins.ListTwinsAsync(new ListTwinsRequest { Ward = ward, PageSize = 1 });
        Assert.NotEmpty(first.NextPageToken);
        var second = await _twins.ListTwinsAsync(new ListTwinsRequest { Ward = ward, PageSize = 1, PageToken = first.NextPageToken });
        Assert.Equal(new[] { stable, sick }.Order(StringComparer.Ordinal), first.Twins.Concat(second.Twins).Select(t => t.PatientId));
        Assert.Empty(second.NextPageToken);
        var changedFilter = await Assert.ThrowsAsync<RpcException>(async () =>
            await _twins.ListTwinsAsync(new ListTwinsRequest { Ward = ward, MinNews2 = 5, PageSize = 1, PageToken = first.NextPageToken }));
        Assert.Equal(StatusCode.InvalidArgument, changedFilter.StatusCode);
    }

    [Fact]
    public async Task Recording_supplemental_oxygen_adds_two_to_news2()
    {
        var patient = await PatientWithVitalsAsync("oxygen", Stable);
        var before = await _twins.GetTwinAsync(new GetTwinRequest { PatientId = patient });
        Assert.Equal(News2InputStatus.Assumed, SubScore(before, News2Parameter.AirOrOxygen).Status);
        Assert.Equal(News2InputStatus.Measured, SubScore(before, News2Parameter.Pulse).Status);
        Assert.False(before.Context.HasOnSupplementalOxygen);

        var after = await SetContextAsync(patient, new PatientContext { OnSupplementalOxygen = true, Consciousness = Consciousness.Alert, Ward = UniqueWard() });

        Assert.Equal(before.News2.Total + 2, after.News2.Total);
        Assert.Equal(2, SubScore(after, News2Parameter.AirOrOxygen).Score);
        Assert.Equal(News2InputStatus.Recorded, SubScore(after, News2Parameter.AirOrOxygen).Status);
        Assert.Equal(News2InputStatus.Recorded, SubScore(after, News2Parameter.Consciousness).Status);
        Assert.True(after.Context.OnSupplementalOxygen);
        Assert.Equal(SpO2Scale.Scale1, after.Context.Spo2Scale);
        var read = await _twins.GetTwinAsync(new GetTwinRequest { PatientId = patient });
        Assert.Equal(after.News2.Total, read.News2.Total);
        Assert.Equal(after.Context, read.Context);
    }

    [Fact]
    public async Task The_twin_shows_each_vitals_status()
    {
        var patient = await PatientWithVitalsAsync("status", Stable);

        var twin = await _twins.GetTwinAsync(new GetTwinRequest { PatientId = patient });

        Assert.Equal(twin.Vitals.Select(v => v.Code), twin.VitalStatuses.Select(s => s.Code));
        Assert.All(twin.VitalStatuses, s => Assert.False(s.Stale));
        var pulse = twin.VitalStatuses.Single(s => s.Code.Loinc == "8867-4");
        Assert.Equal(72, pulse.Scored.Value);
        Assert.True(twin.News2.Complete);
        Assert.All(twin.News2.SubScores, s => Assert.NotEqual(News2InputStatus.Unspecified, s.Status));
        Assert.NotNull(twin.AsOf);
        Assert.Empty(twin.OpenAnomalies);
    }

    [Fact]
    public async Task WatchTwins_sends_the_current_twin_then_its_changes()
    {
        var patient = await RegisteredPatientAsync("watch");
        await _ingestion.IngestAsync(new VitalSignBatch { Readings = { patient.Reading(Readings.HeartRate, 70, "/min") } }, patient.Credential);
        await WaitForTwinAsync(patient.PatientId, t => t.Vitals.Count == 1);
        using var deadline = new CancellationTokenSource(Timeout);
        using var watch = _twins.WatchTwins(new WatchTwinsRequest { PatientIds = { patient.PatientId } }, cancellationToken: deadline.Token);

        var initial = await NextAsync(watch, deadline.Token);
        Assert.Equal(TwinChangeReason.Initial, initial.Reason);
        Assert.Equal(patient.PatientId, initial.Twin.PatientId);
        Assert.Equal(70, Assert.Single(initial.Twin.Vitals).Value);

        await _ingestion.IngestAsync(new VitalSignBatch { Readings = { patient.Reading(Readings.HeartRate, 95, "/min") } }, patient.Credential);

        var changed = await NextAsync(watch, deadline.Token);
        while (changed.Twin.Vitals.Single().Value != 95)
        {
            // The first reading can still show up once more: the watch begins before it reads the twin.
            Assert.Equal(TwinChangeReason.Updated, changed.Reason);
            changed = await NextAsync(watch, deadline.Token);
        }
        Assert.Equal(TwinChangeReason.Updated, changed.Reason);
        Assert.Equal(2ul, changed.Twin.ReadingsApplied);
    }

    [Fact]
    public async Task A_ward_watch_sees_a_patient_arrive_and_leave()
    {
        var ward = UniqueWard();
        var patient = await PatientWithVitalsAsync("ward-watch", Stable);
        using var deadline = new CancellationTokenSource(Timeout);
        using var watch = _twins.WatchTwins(new WatchTwinsRequest { Ward = ward }, cancellationToken: deadline.Token);

        await SetContextAsync(patient, new PatientContext { Ward = ward });
        var arrived = await NextAsync(watch, deadline.Token);
        // Initial when the context was recorded before the server started the watch.
        Assert.Contains(arrived.Reason, new[] { TwinChangeReason.Initial, TwinChangeReason.Updated });
        Assert.Equal(patient, arrived.Twin.PatientId);
        Assert.Equal(ward, arrived.Twin.Context.Ward);

        await SetContextAsync(patient, new PatientContext { Ward = UniqueWard() });
        var left = await NextAsync(watch, deadline.Token);
        while (left.Reason == TwinChangeReason.Updated && left.Twin.Context.Ward == ward)
        {
            // Recorded while the watch was starting: both its first read and the change itself report the arrival.
            left = await NextAsync(watch, deadline.Token);
        }
        Assert.Equal(TwinChangeReason.LeftFilter, left.Reason);
        Assert.Equal(patient, left.Twin.PatientId);
        Assert.NotEqual(ward, left.Twin.Context.Ward);
    }

    [Fact]
    public async Task GetVitalHistory_returns_raw_and_aggregated_readings()
    {
        var patient = await RegisteredPatientAsync("history");
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(-10);
        double[] pulse = [70, 72, 74, 80, 82, 84];
        var batch = new VitalSignBatch();
        for (var i = 0; i < pulse.Length; i++)
        {
            batch.Readings.Add(patient.Reading(Readings.HeartRate, pulse[i], "/min", start.AddSeconds(20 * i)));
        }
        batch.Readings.Add(patient.Reading(Readings.OxygenSaturation, 97, "%", start));
        await _ingestion.IngestAsync(batch, patient.Credential);
        var range = new GetVitalHistoryRequest
        {
            PatientId = patient.PatientId,
            From = Timestamp.FromDateTimeOffset(start),
            To = Timestamp.FromDateTimeOffset(start.AddMinutes(2)),
        };

        var everything = await WaitForHistoryAsync(range, h => h.Series.Sum(s => s.Points.Count) == pulse.Length + 1);
        Assert.Equal(["59408-5", "8867-4"], everything.Series.Select(s => s.Code.Loinc));

        var raw = await _twins.GetVitalHistoryAsync(new GetVitalHistoryRequest(range) { LoincCodes = { "8867-4" } });
        var series = Assert.Single(raw.Series);
        Assert.Equal("/min", series.Unit);
        Assert.Equal("MDC_ECG_HEART_RATE", series.Code.Mdc);
        Assert.Equal(pulse, series.Points.Select(p => p.Mean));
        Assert.Equal(Enumerable.Range(0, pulse.Length).Select(i => start.AddSeconds(20 * i)), series.Points.Select(p => p.Time.ToDateTimeOffset()));
        Assert.All(series.Points, p => Assert.Equal((1L, p.Mean, p.Mean), (p.Count, p.Min, p.Max)));

        var aggregated = await _twins.GetVitalHistoryAsync(
            new GetVitalHistoryRequest(range) { LoincCodes = { "8867-4" }, AggregationWindow = Duration.FromTimeSpan(TimeSpan.FromMinutes(1)) });
        var windows = Assert.Single(aggregated.Series).Points;
        Assert.Equal(2, windows.Count);
        Assert.Equal((start, 72.0, 70.0, 74.0, 3L), (windows[0].Time.ToDateTimeOffset(), windows[0].Mean, windows[0].Min, windows[0].Max, windows[0].Count));
        Assert.Equal((start.AddMinutes(1), 82.0, 80.0, 84.0, 3L), (windows[1].Time.ToDateTimeOffset(), windows[1].Mean, windows[1].Min, windows[1].Max, windows[1].Count));
    }

    [Fact]
    public async Task An_open_anomaly_shows_on_the_twin_until_it_is_acknowledged()
    {
        var ward = UniqueWard();
        var patient = await RegisteredPatientAsync("acknowledge");
        var quiet = await PatientWithVitalsAsync("acknowledge-quiet", Stable);
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        var batch = new VitalSignBatch();
        // As in the pipeline's spike test: 150 s of a steady pulse fill the detector's window, then a jump.
        for (var second = 0; second < 150; second++)
        {
            batch.Readings.Add(patient.Reading(Readings.HeartRate, 70 + (second % 5) - 2, "/min", start.AddSeconds(second)));
        }
        batch.Readings.Add(patient.Reading(Readings.HeartRate, 150, "/min", start.AddSeconds(150)));
        await _ingestion.IngestAsync(batch, patient.Credential);

        var twin = await WaitForTwinAsync(patient.PatientId, t => t.OpenAnomalies.Any(a => a.Kind == AnomalyKind.Spike));
        var spike = twin.OpenAnomalies.First(a => a.Kind == AnomalyKind.Spike);
        Assert.Equal("8867-4", spike.Code.Loinc);
        Assert.Equal(150, spike.Value);
        Assert.Equal(start.AddSeconds(150), spike.ObservedAt.ToDateTimeOffset());
        Assert.Equal(Detector.IidSpike, spike.Detector);
        Assert.Equal(patient.DeviceId, spike.DeviceId);
        Assert.False(string.IsNullOrEmpty(spike.Explanation));
        await SetContextAsync(patient.PatientId, new PatientContext { Ward = ward });
        await SetContextAsync(quiet, new PatientContext { Ward = ward });
        var withAnomalies = await _twins.ListTwinsAsync(new ListTwinsRequest { Ward = ward, WithOpenAnomalies = true });
        Assert.Equal(patient.PatientId, Assert.Single(withAnomalies.Twins).PatientId);

        var acknowledged = await _twins.AcknowledgeAnomalyAsync(
            new AcknowledgeAnomalyRequest { PatientId = patient.PatientId, AnomalyId = spike.AnomalyId, AcknowledgedBy = "nurse-e2e" });

        Assert.DoesNotContain(acknowledged.OpenAnomalies, a => a.AnomalyId == spike.AnomalyId);
        var again = await Assert.ThrowsAsync<RpcException>(async () => await _twins.AcknowledgeAnomalyAsync(
            new AcknowledgeAnomalyRequest { PatientId = patient.PatientId, AnomalyId = spike.AnomalyId, AcknowledgedBy = "nurse-e2e" }));
        Assert.Equal(StatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Invalid_requests_are_refused_with_clear_status_codes()
    {
        var known = await PatientWithVitalsAsync("invalid", Stable);
        var unknown = $"e2e-nobody-{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow;
        GetVitalHistoryRequest History(Action<GetVitalHistoryRequest> change)
        {
            var request = new GetVitalHistoryRequest { PatientId = known, From = Timestamp.FromDateTimeOffset(now.AddHours(-1)), To = Timestamp.FromDateTimeOffset(now) };
            change(request);
            return request;
        }

        (string Case, Func<Task> Call, StatusCode Expected)[] cases =
        [
            ("list: negative page size", () => _twins.ListTwinsAsync(new ListTwinsRequest { PageSize = -1 }).ResponseAsync, StatusCode.InvalidArgument),
            ("list: bad page token", () => _twins.ListTwinsAsync(new ListTwinsRequest { PageToken = "not a token" }).ResponseAsync, StatusCode.InvalidArgument),
            ("list: forged page token", () => _twins.ListTwinsAsync(new ListTwinsRequest { PageToken = Convert.ToBase64String("e2e"u8) }).ResponseAsync, StatusCode.InvalidArgument),
            ("list: min_news2 above 20", () => _twins.ListTwinsAsync(new ListTwinsRequest { MinNews2 = 21 }).ResponseAsync, StatusCode.InvalidArgument),
            ("get: empty patient id", () => _twins.GetTwinAsync(new GetTwinRequest()).ResponseAsync, StatusCode.InvalidArgument),
            ("get: unknown patient", () => _twins.GetTwinAsync(new GetTwinRequest { PatientId = unknown }).ResponseAsync, StatusCode.NotFound),
            ("history: empty patient id", () => _twins.GetVitalHistoryAsync(History(r => r.PatientId = "")).ResponseAsync, StatusCode.InvalidArgument),
            ("history: no from", () => _twins.GetVitalHistoryAsync(History(r => r.From = null)).ResponseAsync, StatusCode.InvalidArgument),
            ("history: from = to", () => _twins.GetVitalHistoryAsync(History(r => r.From = r.To)).ResponseAsync, StatusCode.InvalidArgument),
            ("history: from after to", () => _twins.GetVitalHistoryAsync(History(r => r.From = Timestamp.FromDateTimeOffset(now.AddHours(1)))).ResponseAsync, StatusCode.InvalidArgument),
            ("history: zero window", () => _twins.GetVitalHistoryAsync(History(r => r.AggregationWindow = new Duration())).ResponseAsync, StatusCode.InvalidArgument),
            ("history: negative window", () => _twins.GetVitalHistoryAsync(History(r => r.AggregationWindow = Duration.FromTimeSpan(TimeSpan.FromMinutes(-1)))).ResponseAsync, StatusCode.InvalidArgument),
            ("history: range too large", () => _twins.GetVitalHistoryAsync(History(r => r.From = Timestamp.FromDateTimeOffset(now.AddYears(-5)))).ResponseAsync, StatusCode.InvalidArgument),
            ("history: too many windows", () => _twins.GetVitalHistoryAsync(History(r => { r.From = Timestamp.FromDateTimeOffset(now.AddDays(-300)); r.AggregationWindow = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)); })).ResponseAsync, StatusCode.InvalidArgument),
            ("history: unknown vital", () => _twins.GetVitalHistoryAsync(History(r => r.LoincCodes.Add("0000-0"))).ResponseAsync, StatusCode.InvalidArgument),
            ("history: unknown patient", () => _twins.GetVitalHistoryAsync(History(r => r.PatientId = unknown)).ResponseAsync, StatusCode.NotFound),
            ("context: unknown patient", () => _twins.SetPatientContextAsync(new SetPatientContextRequest { PatientId = unknown, Context = new PatientContext(), RecordedBy = "nurse-e2e" }).ResponseAsync, StatusCode.NotFound),
            ("context: no context", () => _twins.SetPatientContextAsync(new SetPatientContextRequest { PatientId = known, RecordedBy = "nurse-e2e" }).ResponseAsync, StatusCode.InvalidArgument),
            ("context: reason too long", () => _twins.SetPatientContextAsync(new SetPatientContextRequest { PatientId = known, Context = new PatientContext(), Reason = new string('r', 501) }).ResponseAsync, StatusCode.InvalidArgument),
            ("context: unknown consciousness", () => _twins.SetPatientContextAsync(new SetPatientContextRequest { PatientId = known, Context = new PatientContext { Consciousness = (Consciousness)42 }, RecordedBy = "nurse-e2e" }).ResponseAsync, StatusCode.InvalidArgument),
            ("acknowledge: empty anomaly id", () => _twins.AcknowledgeAnomalyAsync(new AcknowledgeAnomalyRequest { PatientId = known, AcknowledgedBy = "nurse-e2e" }).ResponseAsync, StatusCode.InvalidArgument),
            ("acknowledge: unknown anomaly", () => _twins.AcknowledgeAnomalyAsync(new AcknowledgeAnomalyRequest { PatientId = known, AnomalyId = "e2e-none", AcknowledgedBy = "nurse-e2e" }).ResponseAsync, StatusCode.NotFound),
            ("acknowledge: unknown patient", () => _twins.AcknowledgeAnomalyAsync(new AcknowledgeAnomalyRequest { PatientId = unknown, AnomalyId = "e2e-none", AcknowledgedBy = "nurse-e2e" }).ResponseAsync, StatusCode.NotFound),
            ("watch: min_news2 negative", () => FirstChangeAsync(new WatchTwinsRequest { MinNews2 = -1 }), StatusCode.InvalidArgument),
            ("watch: empty patient id", () => FirstChangeAsync(new WatchTwinsRequest { PatientIds = { "" } }), StatusCode.InvalidArgument),
        ];

        foreach (var (name, call, expected) in cases)
        {
            var refused = await Assert.ThrowsAsync<RpcException>(call);
            Assert.True(expected == refused.StatusCode, $"{name}: expected {expected}, got {refused.StatusCode} ({refused.Status.Detail})");
            Assert.False(string.IsNullOrWhiteSpace(refused.Status.Detail), name);
            Assert.DoesNotContain(known, refused.Status.Detail, StringComparison.Ordinal);
            Assert.DoesNotContain(unknown, refused.Status.Detail, StringComparison.Ordinal);
        }
    }

    private static readonly Func<Readings, VitalSignBatch> Stable = p => p.Vitals(heartRate: 72, spo2: 97, respiratoryRate: 14, systolic: 120, temperature: 36.8);

    // NEWS2 12: pulse 2, SpO₂ 3, respiration 3, systolic 2, temperature 2.
    private static readonly Func<Readings, VitalSignBatch> Deteriorated = p => p.Vitals(heartRate: 128, spo2: 90, respiratoryRate: 27, systolic: 92, temperature: 39.2);

    private static string UniqueWard() => $"e2e-ward-{Guid.NewGuid():N}";

    private static News2SubScore SubScore(PatientTwin twin, News2Parameter parameter) => twin.News2.SubScores.Single(s => s.Parameter == parameter);

    private async Task FirstChangeAsync(WatchTwinsRequest request)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        using var watch = _twins.WatchTwins(request, cancellationToken: deadline.Token);
        await watch.ResponseStream.MoveNext(deadline.Token);
    }

    private static async Task<TwinChanged> NextAsync(AsyncServerStreamingCall<TwinChanged> watch, CancellationToken cancellationToken)
    {
        Assert.True(await watch.ResponseStream.MoveNext(cancellationToken), "the watch ended");
        return watch.ResponseStream.Current;
    }

    private async Task<PatientTwin> SetContextAsync(string patientId, PatientContext context) =>
        await _twins.SetPatientContextAsync(new SetPatientContextRequest { PatientId = patientId, Context = context, RecordedBy = "nurse-e2e" });

    private async Task<List<string>> ListAllAsync(ListTwinsRequest request)
    {
        var seen = new List<string>();
        do
        {
            var page = await _twins.ListTwinsAsync(request);
            seen.AddRange(page.Twins.Select(t => t.PatientId));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);
        return seen;
    }

    private async Task<Readings> RegisteredPatientAsync(string test)
    {
        var patient = Readings.ForNewPatient(test);
        await patient.RegisterAsync(_devices);
        return patient;
    }

    /// <summary>A patient whose twin holds the five vitals of one batch.</summary>
    private async Task<string> PatientWithVitalsAsync(string test, Func<Readings, VitalSignBatch> vitals)
    {
        var patient = await RegisteredPatientAsync(test);
        await _ingestion.IngestAsync(vitals(patient), patient.Credential);
        await WaitForTwinAsync(patient.PatientId, t => t.Vitals.Count == 5);
        return patient.PatientId;
    }

    private Task<PatientTwin> WaitForTwinAsync(string patientId, Func<PatientTwin, bool> ready) =>
        _twins.WaitForTwinAsync(patientId, ready, Timeout);

    /// <summary>History is written as TwinState checkpoints, after the twin shows the readings; ask until it has them.</summary>
    private Task<VitalHistory> WaitForHistoryAsync(GetVitalHistoryRequest request, Func<VitalHistory, bool> ready) =>
        Polling.UntilAsync(token => _twins.GetVitalHistoryAsync(request, cancellationToken: token).ResponseAsync, ready, Timeout);
}
