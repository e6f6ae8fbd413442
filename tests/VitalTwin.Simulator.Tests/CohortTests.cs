using VitalTwin.Clinical;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Simulator.Tests;

/// <summary>Patients differ from each other, follow a daily rhythm, and devices sample with jitter.</summary>
public class CohortTests
{
    [Fact]
    public void Baselines_differ_between_patients_and_by_condition()
    {
        var scenario = TestScenarios.Ward(200, TimeSpan.FromHours(1)) with
        {
            Cohort = new CohortSpec
            {
                Size = 200,
                Conditions = new Dictionary<PatientCondition, double> { [PatientCondition.General] = 1, [PatientCondition.Copd] = 1, [PatientCondition.Hypertension] = 1 },
            },
        };

        var patients = new WardSimulation(scenario).Patients;

        Assert.Equal(patients.Count, patients.Select(p => p.Baseline).Distinct().Count());
        Assert.True(patients.Max(p => p.Baseline.HeartRate) - patients.Min(p => p.Baseline.HeartRate) > 25);
        Assert.True(patients.Select(p => p.Age).Distinct().Count() > 30);
        var byCondition = patients.GroupBy(p => p.Condition).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(3, byCondition.Count);
        Assert.True(byCondition[PatientCondition.General].Average(p => p.Baseline.OxygenSaturation) - byCondition[PatientCondition.Copd].Average(p => p.Baseline.OxygenSaturation) > 3);
        Assert.True(byCondition[PatientCondition.Hypertension].Average(p => p.Baseline.SystolicBloodPressure) - byCondition[PatientCondition.General].Average(p => p.Baseline.SystolicBloodPressure) > 15);
    }

    [Fact]
    public void Older_patients_have_a_higher_systolic_pressure()
    {
        var scenario = TestScenarios.Ward(400, TimeSpan.FromHours(1)) with { Cohort = new CohortSpec { Size = 400, Age = new AgeSpec(18, 99, 60, 20) } };

        var patients = new WardSimulation(scenario).Patients;

        var young = patients.Where(p => p.Age < 45).Average(p => p.Baseline.SystolicBloodPressure);
        var old = patients.Where(p => p.Age >= 75).Average(p => p.Baseline.SystolicBloodPressure);
        Assert.True(old - young > 10);
        Assert.All(patients, p => Assert.InRange(p.Age, 18, 99));
    }

    [Fact]
    public void The_measured_vitals_follow_each_patients_own_baseline()
    {
        var simulation = new WardSimulation(TestScenarios.Ward(20, TimeSpan.FromHours(1)));
        var readings = simulation.Readings().ToList();

        foreach (var patient in simulation.Patients)
        {
            var own = readings.Of(patient.Id);
            Assert.InRange(own.Mean(VitalSign.HeartRate), patient.Baseline.HeartRate - 10, patient.Baseline.HeartRate + 10);
            Assert.InRange(own.Mean(VitalSign.OxygenSaturation), patient.Baseline.OxygenSaturation - 2.5, patient.Baseline.OxygenSaturation + 2.5);
        }
    }

    [Fact]
    public void At_night_pulse_temperature_and_pressure_are_lower_than_in_the_afternoon()
    {
        // Local midnight start (UTC+1), one day.
        var scenario = TestScenarios.Ward(30, TimeSpan.FromDays(1)) with { Start = new DateTimeOffset(2025, 3, 3, 0, 0, 0, TimeSpan.FromHours(1)) };
        var simulation = new WardSimulation(scenario);
        var readings = simulation.Readings().ToList();

        var night = readings.Between(scenario.Start.AddHours(2), scenario.Start.AddHours(5));
        var afternoon = readings.Between(scenario.Start.AddHours(13), scenario.Start.AddHours(17));

        Assert.True(afternoon.Mean(VitalSign.HeartRate) - night.Mean(VitalSign.HeartRate) > 5);
        Assert.True(afternoon.Mean(VitalSign.BodyTemperature) - night.Mean(VitalSign.BodyTemperature) > 0.3);
        Assert.True(afternoon.Mean(VitalSign.SystolicBloodPressure) - night.Mean(VitalSign.SystolicBloodPressure) > 5);
    }

    [Fact]
    public void Correlated_vitals_move_together_within_a_patient()
    {
        // Sympathetic drive wanders slowly and moves pulse and pressure together, even without any event.
        var simulation = new WardSimulation(TestScenarios.Ward(1, TimeSpan.FromHours(12)) with { Start = new DateTimeOffset(2025, 3, 3, 9, 0, 0, TimeSpan.Zero) });
        var readings = simulation.Readings().ToList();

        var perQuarter = readings.GroupBy(r => (r.ObservedAt - simulation.Scenario.Start).Ticks / TimeSpan.FromMinutes(15).Ticks)
            .Select(g => (Pulse: g.ToList().Mean(VitalSign.HeartRate), Pressure: g.ToList().Mean(VitalSign.SystolicBloodPressure)))
            .ToList();

        Assert.True(Correlation(perQuarter.Select(q => q.Pulse).ToList(), perQuarter.Select(q => q.Pressure).ToList()) > 0.3);
    }

    [Fact]
    public void Devices_sample_with_jitter_around_the_configured_interval()
    {
        var simulation = new WardSimulation(TestScenarios.Ward(1, TimeSpan.FromHours(1)));
        var times = simulation.Readings().Where(r => r.Vital == VitalSign.HeartRate).Select(r => r.ObservedAt).ToList();

        var gaps = times.Zip(times.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();

        Assert.All(gaps, gap => Assert.InRange(gap, 4.5, 5.5));
        Assert.True(gaps.Distinct().Count() > gaps.Count / 2);
        Assert.InRange(gaps.Average(), 4.9, 5.1);
    }

    private static double Correlation(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        var (mx, my) = (x.Average(), y.Average());
        var covariance = x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my));
        return covariance / Math.Sqrt(x.Sum(v => (v - mx) * (v - mx)) * y.Sum(v => (v - my) * (v - my)));
    }
}
