using VitalTwin.Nab.Detectors;

namespace VitalTwin.Nab.Tests;

public sealed class CycleHistoryTests
{
    [Fact]
    public void Knows_nothing_before_a_whole_cycle_is_held()
    {
        var history = Filled(period: 4, cycles: 3, 1, 2, 3);
        Assert.True(double.IsNaN(history.TypicalLevel()));
        Assert.True(double.IsNaN(history.TypicalStep()));
    }

    [Fact]
    public void With_one_cycle_held_the_typical_value_is_that_of_the_previous_cycle()
    {
        var history = Filled(period: 4, cycles: 3, 10, 20, 30, 40);
        Assert.Equal(10, history.TypicalLevel());
        Assert.True(double.IsNaN(history.TypicalStep()), "the step at the same phase needs the row before the cycle too");
        history.Add(11);
        Assert.Equal(20, history.TypicalLevel());
        Assert.Equal(10, history.TypicalStep());
    }

    [Fact]
    public void The_median_of_three_cycles_ignores_one_anomalous_cycle()
    {
        // The next row's phase in the last three cycles: 1 (three cycles back), 100 (an anomaly two back), 3 (one back),
        // each one step up from the 0 before it.
        var history = Filled(period: 2, cycles: 3, 0, 1, 0, 100, 0, 3, 0);
        Assert.Equal(3, history.TypicalLevel());
        Assert.Equal(3, history.TypicalStep(), 12);
    }

    [Fact]
    public void With_two_cycles_held_the_median_is_their_mean()
    {
        var history = Filled(period: 3, cycles: 3, 2, 0, 0, 6, 0, 0);
        Assert.Equal(4, history.TypicalLevel());
    }

    [Fact]
    public void Cycles_older_than_the_last_few_are_forgotten()
    {
        var history = Filled(period: 1, cycles: 3, 1000, 1000, 1, 2, 3);
        Assert.Equal(2, history.TypicalLevel());
        Assert.Equal(1, history.TypicalStep());
    }

    [Fact]
    public void Non_finite_values_are_left_out_of_the_median()
    {
        var history = Filled(period: 1, cycles: 3, 5, double.NaN, 7);
        Assert.Equal(6, history.TypicalLevel());
    }

    private static CycleHistory Filled(int period, int cycles, params double[] values)
    {
        var history = new CycleHistory(period, cycles);
        foreach (double v in values)
        {
            history.Add(v);
        }

        return history;
    }
}
