namespace VitalTwin.Clinical.Tests;

public class News2ParameterScoreTests
{
    [Theory]
    [InlineData(0, 3)]
    [InlineData(8, 3)]
    [InlineData(8.5, 1)]
    [InlineData(9, 1)]
    [InlineData(11, 1)]
    [InlineData(11.5, 0)]
    [InlineData(12, 0)]
    [InlineData(20, 0)]
    [InlineData(20.5, 2)]
    [InlineData(21, 2)]
    [InlineData(24, 2)]
    [InlineData(24.5, 3)]
    [InlineData(25, 3)]
    [InlineData(60, 3)]
    public void Respiration_rate_bands(double perMinute, int expected) =>
        Assert.Equal(expected, News2.ScoreRespirationRate(perMinute));

    [Theory]
    [InlineData(85, 3)]
    [InlineData(91, 3)]
    [InlineData(91.5, 2)]
    [InlineData(92, 2)]
    [InlineData(93, 2)]
    [InlineData(93.5, 1)]
    [InlineData(94, 1)]
    [InlineData(95, 1)]
    [InlineData(95.5, 0)]
    [InlineData(96, 0)]
    [InlineData(100, 0)]
    public void SpO2_scale_1_bands_are_the_same_on_air_and_on_oxygen(double percent, int expected)
    {
        Assert.Equal(expected, News2.ScoreOxygenSaturation(percent, SpO2Scale.Scale1, onOxygen: false));
        Assert.Equal(expected, News2.ScoreOxygenSaturation(percent, SpO2Scale.Scale1, onOxygen: true));
    }

    [Theory]
    [InlineData(70, 3, 3)]
    [InlineData(83, 3, 3)]
    [InlineData(83.5, 2, 2)]
    [InlineData(84, 2, 2)]
    [InlineData(85, 2, 2)]
    [InlineData(85.5, 1, 1)]
    [InlineData(86, 1, 1)]
    [InlineData(87, 1, 1)]
    [InlineData(87.5, 0, 0)]
    [InlineData(88, 0, 0)]
    [InlineData(92, 0, 0)]
    [InlineData(92.5, 0, 1)]
    [InlineData(93, 0, 1)]
    [InlineData(94, 0, 1)]
    [InlineData(94.5, 0, 2)]
    [InlineData(95, 0, 2)]
    [InlineData(96, 0, 2)]
    [InlineData(96.5, 0, 3)]
    [InlineData(97, 0, 3)]
    [InlineData(100, 0, 3)]
    public void SpO2_scale_2_bands_on_air_and_on_oxygen(double percent, int onAir, int onOxygen)
    {
        Assert.Equal(onAir, News2.ScoreOxygenSaturation(percent, SpO2Scale.Scale2, onOxygen: false));
        Assert.Equal(onOxygen, News2.ScoreOxygenSaturation(percent, SpO2Scale.Scale2, onOxygen: true));
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 2)]
    public void Air_or_oxygen(bool onOxygen, int expected) =>
        Assert.Equal(expected, News2.ScoreAirOrOxygen(onOxygen));

    [Theory]
    [InlineData(60, 3)]
    [InlineData(90, 3)]
    [InlineData(90.5, 2)]
    [InlineData(91, 2)]
    [InlineData(100, 2)]
    [InlineData(100.5, 1)]
    [InlineData(101, 1)]
    [InlineData(110, 1)]
    [InlineData(110.5, 0)]
    [InlineData(111, 0)]
    [InlineData(219, 0)]
    [InlineData(219.5, 3)]
    [InlineData(220, 3)]
    [InlineData(260, 3)]
    public void Systolic_blood_pressure_bands(double mmHg, int expected) =>
        Assert.Equal(expected, News2.ScoreSystolicBloodPressure(mmHg));

    [Theory]
    [InlineData(30, 3)]
    [InlineData(40, 3)]
    [InlineData(40.5, 1)]
    [InlineData(41, 1)]
    [InlineData(50, 1)]
    [InlineData(50.5, 0)]
    [InlineData(51, 0)]
    [InlineData(90, 0)]
    [InlineData(90.5, 1)]
    [InlineData(91, 1)]
    [InlineData(110, 1)]
    [InlineData(110.5, 2)]
    [InlineData(111, 2)]
    [InlineData(130, 2)]
    [InlineData(130.5, 3)]
    [InlineData(131, 3)]
    [InlineData(180, 3)]
    public void Pulse_bands(double perMinute, int expected) =>
        Assert.Equal(expected, News2.ScorePulse(perMinute));

    [Theory]
    [InlineData(Consciousness.Alert, 0)]
    [InlineData(Consciousness.NewConfusion, 3)]
    [InlineData(Consciousness.Voice, 3)]
    [InlineData(Consciousness.Pain, 3)]
    [InlineData(Consciousness.Unresponsive, 3)]
    public void Consciousness_scores_3_for_anything_but_alert(Consciousness level, int expected) =>
        Assert.Equal(expected, News2.ScoreConsciousness(level));

    [Theory]
    [InlineData(33.0, 3)]
    [InlineData(35.0, 3)]
    [InlineData(35.05, 1)]
    [InlineData(35.1, 1)]
    [InlineData(36.0, 1)]
    [InlineData(36.05, 0)]
    [InlineData(36.1, 0)]
    [InlineData(38.0, 0)]
    [InlineData(38.05, 1)]
    [InlineData(38.1, 1)]
    [InlineData(39.0, 1)]
    [InlineData(39.05, 2)]
    [InlineData(39.1, 2)]
    [InlineData(41.0, 2)]
    public void Temperature_bands(double celsius, int expected) =>
        Assert.Equal(expected, News2.ScoreTemperature(celsius));

    [Fact]
    public void NaN_inputs_are_rejected_rather_than_scored()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => News2.ScoreRespirationRate(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => News2.ScoreOxygenSaturation(double.NaN, SpO2Scale.Scale1, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => News2.ScoreSystolicBloodPressure(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => News2.ScorePulse(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => News2.ScoreTemperature(double.NaN));
    }

    [Fact]
    public void Undefined_enum_values_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => News2.ScoreConsciousness((Consciousness)42));
        Assert.Throws<ArgumentOutOfRangeException>(() => News2.ScoreOxygenSaturation(95, (SpO2Scale)42, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => News2.ParameterOf((VitalSign)42));
    }

    [Theory]
    [InlineData(VitalSign.HeartRate, News2Parameter.Pulse)]
    [InlineData(VitalSign.OxygenSaturation, News2Parameter.OxygenSaturation)]
    [InlineData(VitalSign.RespiratoryRate, News2Parameter.RespirationRate)]
    [InlineData(VitalSign.SystolicBloodPressure, News2Parameter.SystolicBloodPressure)]
    [InlineData(VitalSign.BodyTemperature, News2Parameter.Temperature)]
    public void Vital_signs_map_to_their_news2_parameter(VitalSign sign, News2Parameter expected) =>
        Assert.Equal(expected, News2.ParameterOf(sign));
}
