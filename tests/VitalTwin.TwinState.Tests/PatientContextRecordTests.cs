using Microsoft.Extensions.Time.Testing;
using VitalTwin.Contracts.Twin.V1;
using VitalTwin.TwinState.Core;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.TwinState.Tests;

/// <summary>Who recorded a patient's clinical context and when, as TwinQuery answers it over real gRPC: the token's subject, whatever recorded_by says.</summary>
public sealed class PatientContextRecordTests(EmbeddedKafkaFixture cluster) : IClassFixture<EmbeddedKafkaFixture>
{
    private const string Patient = "patient-context-record";

    [Fact]
    public async Task The_context_says_who_recorded_it_by_the_token_subject_and_when_by_the_service_clock_whatever_the_request_claimed()
    {
        var start = DateTimeOffset.UtcNow;
        var clock = new FakeTimeProvider(start);
        var topics = cluster.CreateTopics();
        await using var server = await TwinStateServer.StartAsync(cluster, topics, $"test-twin-state-{Guid.NewGuid():N}", clock: clock);
        await server.PublishHeartRateAsync(topics, Patient, sequence: 1, start);
        await Eventually.TrueAsync(() => server.ReadingsApplied(Patient) == 1, "the patient's first reading applied");
        var unrecorded = await server.Query.GetTwinAsync(new GetTwinRequest { PatientId = Patient });

        clock.Advance(TimeSpan.FromMinutes(3));
        var claimed = new Contracts.Twin.V1.PatientContext
        {
            Ward = "ward-7",
            Consciousness = Consciousness.Voice,
            RecordedBy = "someone-else",
            RecordedAt = Timestamp.FromDateTimeOffset(start.AddDays(-1)),
        };
        var answered = await server.Query.SetPatientContextAsync(new SetPatientContextRequest { PatientId = Patient, Context = claimed, RecordedBy = "nurse-ito" });
        clock.Advance(TimeSpan.FromMinutes(1));
        var got = await server.Query.GetTwinAsync(new GetTwinRequest { PatientId = Patient });
        var listed = (await server.Query.ListTwinsAsync(new ListTwinsRequest())).Twins.Single(t => t.PatientId == Patient);
        using var watch = server.Query.WatchTwins(new WatchTwinsRequest { PatientIds = { Patient } });
        using var watching = new CancellationTokenSource(TwinStateServer.Patience);
        Assert.True(await watch.ResponseStream.MoveNext(watching.Token));
        var watched = watch.ResponseStream.Current.Twin;

        Assert.Equal((string.Empty, null), (unrecorded.Context.RecordedBy, unrecorded.Context.RecordedAt));
        var recorded = ("test-staff", Timestamp.FromDateTimeOffset(start.AddMinutes(3)));
        Assert.All(
            new[] { answered, got, listed, watched },
            twin => Assert.Equal(recorded, (twin.Context.RecordedBy, twin.Context.RecordedAt)));
        Assert.Equal(("ward-7", Consciousness.Voice), (got.Context.Ward, got.Context.Consciousness));
        Assert.True(server.Twins.TryGet(Patient, out var twin));
        var kept = TwinSnapshot.FromBytes(twin!.Snapshot().ToBytes()).Context;
        Assert.Equal(("test-staff", start.AddMinutes(3)), (kept.RecordedBy, kept.RecordedAt));
    }
}
