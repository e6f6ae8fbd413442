namespace VitalTwin.Clinical.Tests;

public class News2AggregateTests
{
    private static readonly News2Observations Healthy = new(
        RespirationRate: 16,
        OxygenSaturation: 98,
        OnSupplementalOxygen: false,
        SystolicBloodPressure: 120,
        Pulse: 70,
        Consciousness: Consciousness.Alert,
        Temperature: 37.0);

    [Fact]
    public void Healthy_observations_score_zero_low_and_complete()
    {
        var result = News2.Score(Healthy);

        Assert.Equal(0, result.Total);
        Assert.Equal(0, result.MaxSingle);
        Assert.Equal(News2Risk.Low, result.Risk);
        Assert.True(result.Complete);
        Assert.All(result.SubScores, s => Assert.False(s.Assumed || s.Missing));
    }

    [Fact]
    public void Sub_scores_list_all_seven_parameters_in_enum_order()
    {
        var result = News2.Score(default);

        Assert.Equal(Enum.GetValues<News2Parameter>(), result.SubScores.Select(s => s.Parameter));
    }

    [Fact]
    public void Total_is_the_sum_of_every_parameter()
    {
        var observations = new News2Observations(
            RespirationRate: 22,
            OxygenSaturation: 93,
            OnSupplementalOxygen: true,
            SystolicBloodPressure: 105,
            Pulse: 115,
            Consciousness: Consciousness.Alert,
            Temperature: 38.5);

        var result = News2.Score(observations);

        Assert.Equal([2, 2, 2, 1, 2, 0, 1], result.SubScores.Select(s => s.Score));
        Assert.Equal(10, result.Total);
        Assert.Equal(2, result.MaxSingle);
        Assert.Equal(News2Risk.High, result.Risk);
    }

    [Fact]
    public void The_worst_possible_observations_score_twenty()
    {
        var observations = new News2Observations(5, 80, true, 80, 35, Consciousness.Unresponsive, 34);

        var result = News2.Score(observations);

        Assert.Equal(20, result.Total);
        Assert.Equal(3, result.MaxSingle);
        Assert.Equal(News2Risk.High, result.Risk);
    }

    [Fact]
    public void Scale_2_and_oxygen_together_change_only_the_SpO2_and_oxygen_scores()
    {
        var scale1 = News2.Score(Healthy with { OxygenSaturation = 97, OnSupplementalOxygen = true });
        var scale2 = News2.Score(Healthy with { OxygenSaturation = 97, OnSupplementalOxygen = true, Scale = SpO2Scale.Scale2 });
        var scale2OnAir = News2.Score(Healthy with { OxygenSaturation = 97, Scale = SpO2Scale.Scale2 });

        Assert.Equal(2, scale1.Total);
        Assert.Equal(5, scale2.Total);
        Assert.Equal(0, scale2OnAir.Total);
    }

    [Fact]
    public void A_single_parameter_scoring_3_raises_a_low_total_to_low_medium()
    {
        var result = News2.Score(Healthy with { Consciousness = Consciousness.NewConfusion });

        Assert.Equal(3, result.Total);
        Assert.Equal(3, result.MaxSingle);
        Assert.Equal(News2Risk.LowMedium, result.Risk);
    }

    [Fact]
    public void Four_from_several_parameters_is_still_low()
    {
        var result = News2.Score(Healthy with { RespirationRate = 22, Pulse = 115 });

        Assert.Equal(4, result.Total);
        Assert.Equal(News2Risk.Low, result.Risk);
    }

    [Fact]
    public void Five_is_medium_and_seven_is_high()
    {
        var five = News2.Score(Healthy with { RespirationRate = 22, Pulse = 115, Temperature = 38.5 });
        var seven = News2.Score(Healthy with { RespirationRate = 22, Pulse = 115, OnSupplementalOxygen = true, Temperature = 38.5 });

        Assert.Equal((5, News2Risk.Medium), (five.Total, five.Risk));
        Assert.Equal((7, News2Risk.High), (seven.Total, seven.Risk));
    }

    [Theory]
    [InlineData(0, 0, News2Risk.Low)]
    [InlineData(4, 2, News2Risk.Low)]
    [InlineData(3, 3, News2Risk.LowMedium)]
    [InlineData(4, 3, News2Risk.LowMedium)]
    [InlineData(5, 2, News2Risk.Medium)]
    [InlineData(5, 3, News2Risk.Medium)]
    [InlineData(6, 3, News2Risk.Medium)]
    [InlineData(7, 2, News2Risk.High)]
    [InlineData(7, 3, News2Risk.High)]
    [InlineData(20, 3, News2Risk.High)]
    public void Risk_bands(int total, int maxSingle, News2Risk expected) =>
        Assert.Equal(expected, News2.RiskOf(total, maxSingle));

    [Theory]
    [InlineData(-1, 0)]
    [InlineData(0, -1)]
    [InlineData(5, 4)]
    public void Risk_rejects_impossible_scores(int total, int maxSingle) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => News2.RiskOf(total, maxSingle));

    [Theory]
    [InlineData(News2Parameter.RespirationRate)]
    [InlineData(News2Parameter.OxygenSaturation)]
    [InlineData(News2Parameter.SystolicBloodPressure)]
    [InlineData(News2Parameter.Pulse)]
    [InlineData(News2Parameter.Temperature)]
    public void A_missing_measured_vital_scores_zero_and_makes_the_result_incomplete(News2Parameter missing)
    {
        var observations = missing switch
        {
            News2Parameter.RespirationRate => Healthy with { RespirationRate = null },
            News2Parameter.OxygenSaturation => Healthy with { OxygenSaturation = null },
            News2Parameter.SystolicBloodPressure => Healthy with { SystolicBloodPressure = null },
            News2Parameter.Pulse => Healthy with { Pulse = null },
            _ => Healthy with { Temperature = null },
        };

        var result = News2.Score(observations);

        Assert.False(result.Complete);
        Assert.Equal(0, result.Total);
        var sub = Assert.Single(result.SubScores, s => s.Missing);
        Assert.Equal(new News2SubScore(missing, 0, Assumed: false, Missing: true), sub);
        Assert.DoesNotContain(result.SubScores, s => s.Assumed);
    }

    [Fact]
    public void Missing_air_or_oxygen_is_assumed_air_and_keeps_the_result_complete()
    {
        var result = News2.Score(Healthy with { OnSupplementalOxygen = null });

        Assert.True(result.Complete);
        Assert.Equal(
            new News2SubScore(News2Parameter.AirOrOxygen, 0, Assumed: true, Missing: false),
            result.SubScores[(int)News2Parameter.AirOrOxygen]);
    }

    [Fact]
    public void Missing_air_or_oxygen_scores_scale_2_SpO2_as_on_air()
    {
        var result = News2.Score(Healthy with { OnSupplementalOxygen = null, OxygenSaturation = 97, Scale = SpO2Scale.Scale2 });

        Assert.Equal(0, result.SubScores[(int)News2Parameter.OxygenSaturation].Score);
    }

    [Fact]
    public void Missing_consciousness_is_assumed_alert_and_keeps_the_result_complete()
    {
        var result = News2.Score(Healthy with { Consciousness = null });

        Assert.True(result.Complete);
        Assert.Equal(
            new News2SubScore(News2Parameter.Consciousness, 0, Assumed: true, Missing: false),
            result.SubScores[(int)News2Parameter.Consciousness]);
    }

    [Fact]
    public void Nothing_observed_scores_zero_incomplete_with_two_assumptions()
    {
        var result = News2.Score(default);

        Assert.Equal(0, result.Total);
        Assert.False(result.Complete);
        Assert.Equal(5, result.SubScores.Count(s => s.Missing));
        Assert.Equal(
            [News2Parameter.AirOrOxygen, News2Parameter.Consciousness],
            result.SubScores.Where(s => s.Assumed).Select(s => s.Parameter));
    }

    [Fact]
    public void Missing_vitals_still_let_the_observed_ones_raise_the_risk()
    {
        var result = News2.Score(Healthy with { Pulse = null, Temperature = null, RespirationRate = 30 });

        Assert.Equal(3, result.Total);
        Assert.Equal(News2Risk.LowMedium, result.Risk);
        Assert.False(result.Complete);
    }

    [Fact]
    public void NaN_observation_is_rejected()
    {
        var observations = Healthy with { Pulse = double.NaN };

        Assert.Throws<ArgumentOutOfRangeException>(() => News2.Score(observations));
    }
}
