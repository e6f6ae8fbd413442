using VitalTwin.Clinical;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.Load.Generation;

namespace VitalTwin.Load.Tests;

public sealed class SyntheticPatientTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_well_patient_scores_zero_on_every_vital_and_never_repeats_itself_for_long()
    {
        var random = new Random(7);
        var patients = Enumerable.Range(0, 50).Select(i => new SyntheticPatient(i, null, random)).ToList();

        foreach (var patient in patients)
        {
            var heartRates = new List<double>();
            for (var tick = 0; tick < 200; tick++)
            {
                var batch = new VitalSignBatch();
                patient.AppendTick(batch, Now.AddSeconds(tick), deteriorate: false, random);
                Assert.Equal(0, Score(batch));
                heartRates.Add(batch.Readings[0].Value);
            }
            // The detectors take ten equal values in a row for a flat-lined probe.
            Assert.DoesNotContain(heartRates.Chunk(10), chunk => chunk.Distinct().Count() == 1);
        }
    }

    [Fact]
    public void A_deterioration_takes_news2_to_high_and_stays_there()
    {
        var random = new Random(7);
        var patient = new SyntheticPatient(3, TimeSpan.FromSeconds(10), random);
        var windowStart = Now;

        Assert.False(patient.DeterioratesNow(Now.AddSeconds(9), windowStart));
        Assert.False(patient.DeterioratesNow(Now.AddSeconds(30), windowStart: null));
        Assert.True(patient.DeterioratesNow(Now.AddSeconds(10), windowStart));
        var critical = new VitalSignBatch();
        patient.AppendTick(critical, Now.AddSeconds(10), deteriorate: true, random);
        var later = new VitalSignBatch();
        patient.AppendTick(later, Now.AddSeconds(11), deteriorate: false, random);

        Assert.True(Score(critical) >= 7);
        Assert.True(Score(later) >= 7);
        Assert.False(patient.DeterioratesNow(Now.AddSeconds(12), windowStart));
        Assert.Equal(10, patient.ReadingsSent);
        Assert.Equal(Now.AddSeconds(11).UtcTicks, patient.LastSentTicks);
        Assert.Equal(Enumerable.Range(1, 10).Select(n => (ulong)n), critical.Readings.Concat(later.Readings).Select(r => r.SequenceNumber));
    }

    private static int Score(VitalSignBatch batch)
    {
        double Value(VitalCode code) => batch.Readings.Single(r => r.Code.Loinc == code.Loinc).Value;
        return News2.ScorePulse(Value(SyntheticPatient.HeartRate))
            + News2.ScoreOxygenSaturation(Value(SyntheticPatient.OxygenSaturation), SpO2Scale.Scale1, onOxygen: false)
            + News2.ScoreRespirationRate(Value(SyntheticPatient.RespiratoryRate))
            + News2.ScoreSystolicBloodPressure(Value(SyntheticPatient.SystolicPressure))
            + News2.ScoreTemperature(Value(SyntheticPatient.Temperature));
    }
}
