using Google.Protobuf.WellKnownTypes;
using VitalTwin.Clinical;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

public class TwinMappingTests
{
    private static readonly StalenessChange WentStale = new(VitalSign.OxygenSaturation, IsStale: true, Readings.Start, Readings.Start.AddMinutes(6));

    [Fact]
    public void A_staleness_change_maps_to_the_contract_event()
    {
        var changed = WentStale.ToStaleChanged("patient-1", VitalCatalogue.Default);

        Assert.Equal("patient-1", changed.PatientId);
        Assert.Equal(VitalCatalogue.Default[VitalSign.OxygenSaturation].Loinc, changed.Code.Loinc);
        Assert.Equal(VitalCatalogue.Default[VitalSign.OxygenSaturation].Mdc, changed.Code.Mdc);
        Assert.True(changed.Stale);
        Assert.Equal(Timestamp.FromDateTimeOffset(Readings.Start), changed.LastObservedAt);
        Assert.Equal(Timestamp.FromDateTimeOffset(Readings.Start.AddMinutes(6)), changed.AsOf);
    }

    [Fact]
    public void A_NEWS2_change_that_came_with_the_clock_has_a_stable_id_without_the_patient_in_it()
    {
        var twin = new PatientTwin("patient-1");
        twin.Apply(Readings.Of(VitalSign.RespiratoryRate, 28, 1, atSecond: 0));
        var change = twin.RefreshStaleness(Readings.Start.AddMinutes(2)).News2Change!.Value;

        var id = TwinMapping.ClockNews2ChangedId("patient-1", change, Readings.Start.AddMinutes(2));

        Assert.Equal(id, TwinMapping.ClockNews2ChangedId("patient-1", change, Readings.Start.AddMinutes(2)));
        Assert.NotEqual(id, TwinMapping.ClockNews2ChangedId("patient-2", change, Readings.Start.AddMinutes(2)));
        Assert.DoesNotContain("patient-1", id, StringComparison.Ordinal);
        var contract = TwinSnapshot.FromBytes(twin.Snapshot().ToBytes()).Vitals[VitalSign.RespiratoryRate].ToContract(VitalCatalogue.Default);
        Assert.Equal((28, Contracts.Twin.V1.SignalArtifact.None), (contract.ScoredValue, contract.Artifact));
    }

    [Fact]
    public void The_event_id_names_the_transition_so_a_replay_or_another_path_seeing_it_later_gives_the_same_id()
    {
        var id = WentStale.ToStaleChanged("patient-1", VitalCatalogue.Default).EventId;

        // The monitor of the partition's next owner sees it at another time: same transition, same id.
        Assert.Equal(id, (WentStale with { AsOf = Readings.Start.AddMinutes(9) }).ToStaleChanged("patient-1", VitalCatalogue.Default).EventId);
        Assert.DoesNotContain("patient-1", id, StringComparison.Ordinal);
        string[] others =
        [
            WentStale.ToStaleChanged("patient-2", VitalCatalogue.Default).EventId,
            (WentStale with { Sign = VitalSign.HeartRate }).ToStaleChanged("patient-1", VitalCatalogue.Default).EventId,
            (WentStale with { LastObservedAt = Readings.Start.AddSeconds(1) }).ToStaleChanged("patient-1", VitalCatalogue.Default).EventId,
            (WentStale with { IsStale = false }).ToStaleChanged("patient-1", VitalCatalogue.Default).EventId,
        ];
        Assert.Equal(others.Length + 1, others.Append(id).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void The_twin_contract_carries_the_forecast_interval_the_artifact_episodes_and_who_recorded_the_context()
    {
        var devices = new Devices();
        var twin = new PatientTwin("patient-1");
        twin.SetContext(new PatientContext(Ward: "ward-7", RecordedBy: "nurse-ito", RecordedAt: Readings.Start.AddMinutes(1)));
        devices.Stream(twin, VitalSign.HeartRate, 0, 20 * 60, s => s is >= 600 and < 605 ? 0 : 75 + Math.Sin(s * 1.3));
        var early = twin.Snapshot().ToContract(VitalCatalogue.Default).VitalStatuses.Single();
        devices.Stream(twin, VitalSign.HeartRate, 20 * 60, 50 * 60, s => s >= 2995 ? 0 : 75 + Math.Sin(s * 1.3));
        var snapshot = twin.Snapshot();
        var domain = snapshot.Vitals[VitalSign.HeartRate];

        var contract = snapshot.ToContract(VitalCatalogue.Default);

        // Optional fields: absent, not zero, until enough forecasts were checked.
        Assert.NotNull(early.Forecast);
        Assert.False(early.Forecast.HasLower || early.Forecast.HasUpper);
        var forecast = contract.VitalStatuses.Single().Forecast;
        Assert.Equal((domain.Forecast!.Value.Lower, domain.Forecast.Value.Upper), (forecast.Lower, forecast.Upper));
        Assert.True(forecast.Lower < forecast.Upper);
        var episodes = contract.VitalStatuses.Single().RecentArtifacts;
        Assert.Equal(
            [
                (Contracts.Twin.V1.SignalArtifact.Dropout, Timestamp.FromDateTimeOffset(Readings.Start.AddSeconds(600)), Timestamp.FromDateTimeOffset(domain.RecentArtifacts[0].EndedAt!.Value)),
                (Contracts.Twin.V1.SignalArtifact.Dropout, Timestamp.FromDateTimeOffset(Readings.Start.AddSeconds(2995)), null),
            ],
            episodes.Select(e => (e.Kind, e.StartedAt, (Timestamp?)e.EndedAt)));
        Assert.Equal(("nurse-ito", Timestamp.FromDateTimeOffset(Readings.Start.AddMinutes(1))), (contract.Context.RecordedBy, contract.Context.RecordedAt));
    }
}
