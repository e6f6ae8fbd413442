namespace VitalTwin.Evaluation.Tests;

/// <summary>The command line: one thing to evaluate, and the switches that go with it.</summary>
public sealed class OptionsTests
{
    [Fact]
    public void Families_scenario_and_replay_are_the_three_modes()
    {
        var families = EvaluationOptions.Parse(["--families=plan.json", "--family", "noisy", "--monitor-delay=20s"]);
        var replay = EvaluationOptions.Parse(["--replay=ward.csv", "--labels=events.csv", "--patients=patients.csv"]);

        Assert.Equal((EvaluationMode.Families, "plan.json", "noisy", TimeSpan.FromSeconds(20)), (families.Mode, families.Input, families.Family, families.Run.MonitorAlarmDelay));
        Assert.Equal((EvaluationMode.Replay, "ward.csv", "events.csv", "patients.csv"), (replay.Mode, replay.Input, replay.Labels, replay.Patients));
        Assert.Equal(EvaluationMode.Scenario, EvaluationOptions.Parse(["--scenario=s.json"]).Mode);
    }

    [Fact]
    public void Projection_takes_the_plan_and_optionally_one_family()
    {
        var projection = EvaluationOptions.Parse(["--projection=plan.json", "--family=noisy", "--output=out"]);

        Assert.Equal((EvaluationMode.Projection, "plan.json", "noisy", "out"), (projection.Mode, projection.Input, projection.Family, projection.Output));
        Assert.Contains("Give exactly one of", Assert.Throws<ArgumentException>(() => EvaluationOptions.Parse(["--projection=plan.json", "--families=plan.json"])).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Give exactly one of", "--grace=10m")]
    [InlineData("Give exactly one of", "--scenario=s.json", "--families=plan.json")]
    [InlineData("--replay needs --labels", "--replay=ward.csv")]
    [InlineData("--labels and --patients go with --replay only", "--scenario=s.json", "--labels=events.csv")]
    [InlineData("--family goes with --families or --projection only", "--scenario=s.json", "--family=noisy")]
    [InlineData("Unknown option --seed", "--scenario=s.json", "--seed=3")]
    public void A_command_line_that_does_not_say_one_thing_to_evaluate_is_refused_with_the_usage(string problem, params string[] args)
    {
        var error = Assert.Throws<ArgumentException>(() => EvaluationOptions.Parse(args));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains("patient,kind,onset,end", error.Message, StringComparison.Ordinal);
    }
}
