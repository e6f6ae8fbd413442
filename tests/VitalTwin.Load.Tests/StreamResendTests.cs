using VitalTwin.DeviceTransports;
using VitalTwin.Load.Generation;

namespace VitalTwin.Load.Tests;

/// <summary>The gRPC senders against a Gateway that refuses calls for back-pressure: the refused ticks come again, as they were.</summary>
public sealed class StreamResendTests
{
    [Fact]
    public async Task Ticks_refused_for_back_pressure_are_resent_after_the_pushback_with_their_own_sequence_numbers_and_times()
    {
        await using var gateway = await RefusingGateway.StartAsync(callsToRefuse: 3, pushback: TimeSpan.FromMilliseconds(20));
        var options = new LoadOptions { Rate = 200, Streams = 1, BatchSize = 10, Patients = 4, StreamSeconds = 0.2, DrainTimeout = 30 };
        var random = new Random(7);
        var patients = Enumerable.Range(0, options.Patients).Select(i => new SyntheticPatient(i, null, random)).ToList();
        var clock = new RunClock(TimeProvider.System);
        await using var driver = new StreamIngestionDriver([new GatewayInstance(gateway.Address, new GatewayAddresses(gateway.Address))], patients, options, clock, (_, _) => { }, "registrar");
        using var stop = new CancellationTokenSource();
        using var abort = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        var sending = driver.RunAsync(stop.Token, abort.Token);
        await gateway.State.RefusedAllStored.WaitAsync(TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await sending;

        var refused = gateway.State.Refused;
        var stored = gateway.State.Stored;
        Assert.NotEmpty(refused);
        // A true resend: the same reading (device, sequence number, time, value), not a new one.
        var storedByKey = stored.GroupBy(RefusingGatewayState.Key).ToDictionary(g => g.Key, g => g.First());
        Assert.All(refused, reading => Assert.Equal(reading, storedByKey[RefusingGatewayState.Key(reading)]));
        // Each monitor's readings reach the Gateway in sequence order, the resent before the newer, so a twin that
        // keeps a high-water mark per device applies them all.
        Assert.All(stored.GroupBy(r => r.DeviceId), device =>
            Assert.True(device.Select(r => r.SequenceNumber).SequenceEqual(device.Select(r => r.SequenceNumber).Order()), $"{device.Key} out of order"));
        // Nothing generated went missing: every new reading was stored once, the refused ones included.
        var counters = driver.Warmup;
        Assert.Equal(counters.Sent, stored.Select(RefusingGatewayState.Key).Distinct().Count());
        Assert.Equal(counters.Sent, stored.Count);
        Assert.Equal(patients.Sum(p => p.ReadingsSent), counters.Sent);
        // Counted apart: refused readings (whole calls, not only the batch the Gateway read), resent ones, none dropped.
        Assert.True(counters.Refused >= refused.Count, $"refused {counters.Refused}, the Gateway saw {refused.Count}");
        Assert.Equal(counters.Refused, counters.Resent);
        Assert.True(counters.RefusedRounds >= 1);
        Assert.Equal(0, counters.Dropped);
        Assert.Equal(counters.Sent + counters.Resent - counters.Refused, counters.Accepted);
        Assert.All(patients, p => Assert.Equal(0, p.ReadingsDropped));
    }
}
