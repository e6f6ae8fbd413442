using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Load.Generation;

namespace VitalTwin.Load.Tests;

public sealed class ResendBacklogTests
{
    private readonly Random _random = new(3);

    [Fact]
    public void Keeps_refused_ticks_in_order_and_gives_them_all_back_once()
    {
        var patient = new SyntheticPatient(1, null, _random);
        var ticks = Enumerable.Range(0, 3).Select(i => Tick(patient, i)).ToList();
        var backlog = new ResendBacklog(capacity: 100);

        Assert.Equal(0, backlog.Keep(ticks.Select(tick => (patient, tick))));

        Assert.Equal(15, backlog.Readings);
        Assert.Equal(ticks, backlog.TakeAll().Select(entry => entry.Tick));
        Assert.True(backlog.IsEmpty);
        Assert.Empty(backlog.TakeAll());
    }

    [Fact]
    public void Beyond_its_capacity_it_drops_the_oldest_ticks_and_their_patients_learn_it()
    {
        var first = new SyntheticPatient(1, null, _random);
        var second = new SyntheticPatient(2, null, _random);
        var backlog = new ResendBacklog(capacity: 10);
        var oldest = Tick(first, 0);
        var kept = new[] { Tick(second, 1), Tick(first, 2) };

        var dropped = backlog.Keep([(first, oldest), (second, kept[0]), (first, kept[1])]);

        Assert.Equal(5, dropped);
        Assert.Equal((5L, 0L), (first.ReadingsDropped, second.ReadingsDropped));
        Assert.Equal(kept, backlog.TakeAll().Select(entry => entry.Tick));
    }

    [Fact]
    public void Giving_up_at_the_end_drops_everything_kept()
    {
        var patient = new SyntheticPatient(1, null, _random);
        var backlog = new ResendBacklog(capacity: 100);
        backlog.Keep([(patient, Tick(patient, 0)), (patient, Tick(patient, 1))]);

        Assert.Equal(10, backlog.DropAll());

        Assert.Equal(10, patient.ReadingsDropped);
        Assert.True(backlog.IsEmpty);
    }

    private VitalSignBatch Tick(SyntheticPatient patient, int second)
    {
        var tick = new VitalSignBatch();
        patient.AppendTick(tick, new DateTimeOffset(2026, 12, 8, 2, 0, second, TimeSpan.Zero), deteriorate: false, _random);
        return tick;
    }
}
