using VitalTwin.Clinical;
using VitalTwin.Simulator.Core.Generation;
using VitalTwin.Simulator.Core.Scenarios;

namespace VitalTwin.Simulator.Tests;

/// <summary>A scenario file that cannot be run says which field is wrong and how.</summary>
public class ScenarioValidationTests
{
    private const string Minimal = """{ "name": "mini", "seed": 1, "duration": "1h", "cohort": { "size": 2 } }""";

    [Fact]
    public void A_minimal_file_gets_the_documented_defaults()
    {
        var scenario = ScenarioLoader.Parse(Minimal, "mini.json");

        Assert.Equal(Scenario.DefaultStart, scenario.Start);
        Assert.Equal(TimeSpan.FromHours(1), scenario.Duration);
        Assert.Equal(SamplingSpec.DefaultIntervals, scenario.Sampling.Intervals);
        Assert.Empty(scenario.Events);
        Assert.Empty(scenario.Artifacts);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1_800)]
    [InlineData("1.5h", 5_400)]
    [InlineData("1d", 86_400)]
    [InlineData("250ms", 0.25)]
    [InlineData("01:30:00", 5_400)]
    [InlineData("1.00:00:00", 86_400)]
    public void Time_spans_may_be_written_with_a_unit_or_as_d_hh_mm_ss(string written, double seconds)
    {
        var scenario = ScenarioLoader.Parse(Minimal.Replace("\"1h\"", $"\"{written}\"", StringComparison.Ordinal), "mini.json");

        Assert.Equal(TimeSpan.FromSeconds(seconds), scenario.Duration);
    }

    [Fact]
    public void Every_missing_required_field_is_named()
    {
        var error = Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse("""{ "cohort": { } }""", "empty.json"));

        Assert.Equal(["name", "seed", "duration", "cohort.size"], error.Errors.Select(e => e.Field));
        Assert.All(error.Errors, e => Assert.Equal("is required", e.Problem));
        Assert.Contains("empty.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("cohort.size: is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_field_is_reported_with_its_line_instead_of_being_ignored()
    {
        const string json = """
            {
              "name": "typo", "seed": 1, "duration": "1h", "cohort": { "size": 2 },
              "events": [ { "kind": "sepsis", "patients": 1, "onset": "10m", "sevrity": 1 } ]
            }
            """;

        var error = Assert.Single(Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse(json, "typo.json")).Errors);

        Assert.StartsWith("events[0]", error.Field, StringComparison.Ordinal);
        Assert.Contains("line 3", error.Problem, StringComparison.Ordinal);
        Assert.Contains("unknown field 'sevrity'", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"duration\": \"1h\"", "\"duration\": \"24:00:00\"", "duration", "expected a time span")]
    [InlineData("\"duration\": \"1h\"", "\"duration\": 3600", "duration", "expected a time span")]
    [InlineData("\"seed\": 1", "\"seed\": \"one\"", "seed", "expected a whole number")]
    [InlineData("\"seed\": 1", "\"seed\": 1, \"start\": \"yesterday\"", "start", "ISO-8601")]
    [InlineData("\"size\": 2", "\"size\": 2.5", "cohort.size", "expected a whole number")]
    [InlineData("\"size\": 2 }", "\"size\": 2 ", "(file)", "line 1")]
    public void A_value_of_the_wrong_type_names_the_field_and_what_is_expected(string original, string replacement, string field, string problem)
    {
        var json = Minimal.Replace(original, replacement, StringComparison.Ordinal);

        var error = Assert.Single(Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse(json, "wrong.json")).Errors);

        Assert.Equal(field, error.Field);
        Assert.Contains(problem, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_kinds_conditions_vitals_and_modes_list_the_allowed_names()
    {
        const string json = """
            {
              "name": "names", "seed": 1, "duration": "1h",
              "cohort": { "size": 4, "conditions": { "asthma": 1 } },
              "sampling": { "intervals": { "pulse": "5s" } },
              "events": [ { "kind": "sepsys", "patients": 1, "onset": "10m" } ],
              "artifacts": [ { "kind": "probe-off", "count": 1, "mode": "off" }, { "kind": "lightning", "count": 1 } ]
            }
            """;

        var errors = Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse(json, "names.json")).Errors;

        Assert.Contains(errors, e => e.Field == "cohort.conditions.asthma" && e.Problem.Contains("copd", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Field == "sampling.intervals.pulse" && e.Problem.Contains("heartRate", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Field == "events[0].kind" && e.Problem == "'sepsys' is not one of sepsis, acute-desaturation, tachyarrhythmia, hypotension, bradycardia");
        Assert.Contains(errors, e => e.Field == "artifacts[0].mode" && e.Problem.Contains("mixed, zero, flat", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Field == "artifacts[1].kind" && e.Problem.Contains("device-moved", StringComparison.Ordinal));
    }

    [Fact]
    public void Entries_that_cannot_be_read_do_not_hide_the_problems_of_the_others()
    {
        const string json = """
            { "name": "both", "seed": 1, "duration": "2h", "cohort": { "size": 4 },
              "events": [ { "kind": "sepsys", "patients": 1, "onset": "10m" }, { "kind": "sepsis", "patients": 1, "onset": "3h" } ],
              "artifacts": [ { "kind": "lightning", "count": 1 }, { "kind": "disconnection", "count": 1, "flagged": 1 } ] }
            """;

        var errors = Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse(json, "both.json")).Errors;

        Assert.Equal(["events[0].kind", "artifacts[0].kind", "events[1].onset.max", "artifacts[1].flagged"], errors.Select(e => e.Field));
    }

    [Fact]
    public void Values_that_cannot_be_run_are_each_reported_against_their_field()
    {
        const string json = """
            {
              "name": "bad name!", "seed": 1, "duration": "2h",
              "cohort": { "size": 1, "age": { "min": 60, "max": 40 } },
              "sampling": { "intervals": { "heartRate": "10ms" }, "jitter": 0.9 },
              "events": [
                { "kind": "sepsis", "patients": 2, "share": 0.5, "onset": { "min": "1h", "max": "3h" } },
                { "kind": "bradycardia", "patients": 1, "onset": "1h", "duration": "30m", "persistent": true, "severity": 1.5 },
                { "kind": "sepsis", "patients": 1, "onset": "1h", "persistent": false }
              ],
              "artifacts": [
                { "kind": "disconnection", "perPatientDay": 2, "flagged": 0.5 },
                { "kind": "device-moved", "count": 1 },
                { "kind": "motion", "count": 1, "duration": { "min": "10m", "max": "5m" } }
              ]
            }
            """;

        var errors = Assert.Throws<ScenarioValidationException>(() => ScenarioLoader.Parse(json, "bad.json")).Errors;

        Assert.Equal(
            [
                "name", "cohort.age", "sampling.intervals.heartRate", "sampling.jitter",
                "events[0]", "events[0].patients", "events[0].onset.max",
                "events[1].persistent", "events[1].severity", "events[2].duration",
                "artifacts[0].flagged", "artifacts[1]", "artifacts[2].duration.max",
            ],
            errors.Select(e => e.Field));
        Assert.Contains(errors, e => e.Field == "events[0].onset.max" && e.Problem.Contains("before the end of the scenario", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Field == "artifacts[1]" && e.Problem.Contains("cohort of 2 or more", StringComparison.Ordinal));
    }

    [Fact]
    public void A_scenario_built_in_code_is_validated_when_it_is_simulated()
    {
        var scenario = TestScenarios.Ward(2, TimeSpan.FromHours(1)) with
        {
            Sampling = new SamplingSpec { Intervals = new Dictionary<VitalSign, TimeSpan> { [VitalSign.HeartRate] = TimeSpan.FromSeconds(1) } },
        };

        var error = Assert.Throws<ScenarioValidationException>(() => new WardSimulation(scenario));

        Assert.Contains(error.Errors, e => e.Field == "sampling.intervals.oxygenSaturation" && e.Problem == "is missing");
    }

    [Fact]
    public void A_missing_file_is_an_error_of_its_own()
    {
        Assert.Throws<FileNotFoundException>(() => ScenarioLoader.Load(Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.json")));
    }
}
