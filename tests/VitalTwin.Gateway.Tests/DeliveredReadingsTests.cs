using VitalTwin.Gateway.Ingestion;

namespace VitalTwin.Gateway.Tests;

/// <summary>The Gateway's memory of what Kafka already has, per device: a window of sequence numbers below the highest.</summary>
public class DeliveredReadingsTests
{
    private readonly DeliveredReadings _delivered = new();

    [Fact]
    public void A_delivered_reading_is_known_and_its_neighbours_and_other_devices_are_not()
    {
        _delivered.Add("monitor-1", 0, 10);

        Assert.True(_delivered.Contains("monitor-1", 0, 10));
        Assert.False(_delivered.Contains("monitor-1", 0, 9));
        Assert.False(_delivered.Contains("monitor-1", 0, 11));
        Assert.False(_delivered.Contains("monitor-2", 0, 10));
    }

    [Fact]
    public void A_gap_left_by_a_failed_batch_stays_unknown_until_its_resend_is_delivered()
    {
        _delivered.Add("monitor-1", 0, 1);
        _delivered.Add("monitor-1", 0, 5);

        Assert.Equal([true, false, false, false, true], Enumerable.Range(1, 5).Select(s => _delivered.Contains("monitor-1", 0, (ulong)s)));
        _delivered.Add("monitor-1", 0, 3);
        Assert.True(_delivered.Contains("monitor-1", 0, 3));
    }

    [Fact]
    public void Only_the_window_below_the_highest_is_remembered()
    {
        for (ulong sequence = 1; sequence <= 3 * DeliveredReadings.Window; sequence++)
        {
            _delivered.Add("monitor-1", 0, sequence);
        }
        var highest = 3UL * DeliveredReadings.Window;

        Assert.True(_delivered.Contains("monitor-1", 0, highest - DeliveredReadings.Window + 1));
        Assert.False(_delivered.Contains("monitor-1", 0, highest - DeliveredReadings.Window));
        _delivered.Add("monitor-1", 0, 1);
        Assert.False(_delivered.Contains("monitor-1", 0, 1));
    }

    [Fact]
    public void A_jump_beyond_the_window_forgets_everything_below_it()
    {
        _delivered.Add("monitor-1", 0, 7);
        _delivered.Add("monitor-1", 0, 7 + DeliveredReadings.Window);

        Assert.False(_delivered.Contains("monitor-1", 0, 7));
        Assert.True(_delivered.Contains("monitor-1", 0, 7 + DeliveredReadings.Window));
        // The slot that held 7 now belongs to 7 + Window, and nothing between was delivered.
        Assert.All(Enumerable.Range(8, DeliveredReadings.Window - 1), s => Assert.False(_delivered.Contains("monitor-1", 0, (ulong)s)));
    }

    [Fact]
    public void A_restarted_device_numbering_from_one_under_a_new_boot_is_not_taken_for_a_resend_and_its_own_resends_are()
    {
        for (ulong sequence = 1; sequence <= 5; sequence++)
        {
            _delivered.Add("monitor-1", 0xa, sequence);
        }

        Assert.False(_delivered.Contains("monitor-1", 0xb, 1));
        _delivered.Add("monitor-1", 0xb, 1);
        _delivered.Add("monitor-1", 0xb, 2);

        Assert.Equal([true, true, false], Enumerable.Range(1, 3).Select(s => _delivered.Contains("monitor-1", 0xb, (ulong)s)));
        // The earlier boot is forgotten: a late resend of it is published again and left to the consumers.
        Assert.False(_delivered.Contains("monitor-1", 0xa, 5));
    }
}
