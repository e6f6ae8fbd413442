namespace VitalTwin.TwinState.History.Tests;

/// <summary>
/// What every <see cref="IVitalsStore"/> does, run once against InfluxDB and once against memory, so that a
/// service behaves the same whichever adapter configuration picks.
/// </summary>
public abstract class VitalsStoreContract : IDisposable
{
    private readonly List<StoreHost> _hosts = [];
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    protected CancellationToken Ct => _timeout.Token;

    protected abstract Dictionary<string, string?> Settings();

    protected IVitalsStore NewStore(IDictionary<string, string?>? overrides = null)
    {
        var settings = Settings();
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var host = new StoreHost(settings);
        _hosts.Add(host);
        return host.Store;
    }

    public void Dispose()
    {
        foreach (var host in _hosts)
        {
            host.Dispose();
        }

        _timeout.Dispose();

        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Written_points_come_back_raw_in_time_order()
    {
        var store = NewStore();
        var patient = Vitals.NewPatient();
        var points = Vitals.Series(patient, Vitals.HeartRate, 20, TimeSpan.FromSeconds(5), i => 60 + (i * 0.25));
        points.Reverse();

        await store.WriteAsync(points, Ct);
        var series = Assert.Single(await store.QueryAsync(Vitals.Raw(patient), Ct));

        Assert.Equal(Vitals.HeartRate, series.Loinc);
        var expected = points.OrderBy(p => p.ObservedAt).Select(p => new HistoryPoint(p.ObservedAt, p.Value, p.Value, p.Value, 1));
        Assert.Equal(expected, series.Points);
    }

    [Fact]
    public async Task Deleting_a_patient_removes_all_their_history_and_leaves_another_patients_intact()
    {
        var store = NewStore();
        var (withdrawn, other) = (Vitals.NewPatient(), Vitals.NewPatient());
        foreach (var patient in new[] { withdrawn, other })
        {
            await store.WriteAsync(Vitals.Series(patient, Vitals.HeartRate, 30, TimeSpan.FromSeconds(1), i => 60 + i), Ct);
            await store.WriteAsync(Vitals.Series(patient, Vitals.SpO2, 30, TimeSpan.FromSeconds(1), i => 95, device: "oximeter", start: Vitals.Start.AddDays(-200)), Ct);
        }

        await store.DeleteAsync(withdrawn, Ct);

        Assert.Empty(await store.QueryAsync(new HistoryQuery(withdrawn, [], Vitals.Start.AddDays(-300), Vitals.Start.AddDays(1), null), Ct));
        var kept = await store.QueryAsync(new HistoryQuery(other, [], Vitals.Start.AddDays(-300), Vitals.Start.AddDays(1), null), Ct);
        Assert.Equal([(Vitals.SpO2, 30), (Vitals.HeartRate, 30)], kept.Select(s => (s.Loinc, s.Points.Count)).Order());
    }

    [Fact]
    public async Task Deleting_twice_or_a_patient_without_history_is_not_an_error_and_later_writes_are_kept()
    {
        var store = NewStore();
        var patient = "patient \"quoted\", with = and \\ inside " + Guid.NewGuid().ToString("N");
        await store.WriteAsync(Vitals.Series(patient, Vitals.HeartRate, 5, TimeSpan.FromSeconds(1), i => 70), Ct);

        await store.DeleteAsync(patient, Ct);
        await store.DeleteAsync(patient, Ct);
        await store.DeleteAsync(Vitals.NewPatient(), Ct);
        await store.WriteAsync(Vitals.Series(patient, Vitals.HeartRate, 3, TimeSpan.FromSeconds(1), i => 80, start: Vitals.Start.AddHours(1)), Ct);

        var series = Assert.Single(await store.QueryAsync(Vitals.Raw(patient), Ct));
        Assert.Equal([80.0, 80.0, 80.0], series.Points.Select(p => p.Mean));
    }

    [Fact]
    public async Task Deleting_with_an_id_no_point_could_have_is_refused()
    {
        var store = NewStore();

        await Assert.ThrowsAsync<InvalidHistoryQueryException>(() => store.DeleteAsync("ends with a backslash\\", Ct));
        await Assert.ThrowsAsync<InvalidHistoryQueryException>(() => store.DeleteAsync(" ", Ct));
    }

    [Fact]
    public async Task Sub_millisecond_timestamps_survive_the_round_trip()
    {
        var store = NewStore();
        var patient = Vitals.NewPatient();
        var points = Vitals.Series(patient, Vitals.HeartRate, 3, TimeSpan.FromTicks(1), i => 70 + i, start: Vitals.Start.AddTicks(1234567));

        await store.WriteAsync(points, Ct);
        var series = Assert.Single(await store.QueryAsync(Vitals.Raw(patient), Ct));

        Assert.Equal(points.Select(p => p.ObservedAt), series.Points.Select(p => p.Time));
    }

    [Fact]
    public async Task Replaying_a_batch_leaves_one_point_per_reading()
    {
        var store = NewStore();
        var patient = Vitals.NewPatient();
        var points = Vitals.Series(patient, Vitals.HeartRate, 50, TimeSpan.FromSeconds(1), i => 70 + (i % 7));

        await store.WriteAsync(points, Ct);
        await store.WriteAsync(points, Ct);
        await store.WriteAsync(points.AsEnumerable().Reverse().ToList(), Ct);

        var series = Assert.Single(await store.QueryAsync(Vitals.Raw(patient), Ct));
        Assert.Equal(50, series.Points.Count);
    }

    [Fact]
    public async Task Rewriting_a_reading_replaces_its_value()
    {
        var store = NewStore();
        var patient = Vitals.NewPatient();
        await store.WriteAsync(Vitals.Series(patient, Vitals.HeartRate, 3, TimeSpan.FromSeconds(1), _ => 70), Ct);

        await store.WriteAsync(Vitals.Series(patient, Vitals.HeartRate, 3, TimeSpan.FromSeconds(1), _ => 90), Ct);

        var series = Assert.Single(await store.QueryAsync(Vitals.Raw(patient), Ct));
        Assert.All(series.Points, p => Assert.Equal(90, p.Mean));
    }

    [Fact]
    public async Task Two_devices_reading_at_the_same_time_are_two_readings()
    {
        var store = NewStore();
        var patient = Vitals.NewPatient();

        await store.WriteAsync(
        [
            new VitalPoint(patient, Vitals.HeartRate, 71, "/min", Vitals.Start, "monitor-1"),
            new VitalPoint(patient, Vitals.HeartRate, 73, "/min", Vitals.Start, "watch-2"),
        ], Ct);

        var series = Assert.Single(await store.QueryAsync(Vitals.Raw(patient), Ct));
        Assert.Equal([71.0, 73.0], series.Points.Select(p => p.Mean).Order());
    }

    [Fact]
    public async Task Aggregated_history_matches_windows_computed_here()
    {
        var store = NewStore();
        var patient = Vitals.NewPatient();
        var random = new Random(20250301);
        var points = Vitals.Series(patient, Vitals.HeartRate, 200, TimeSpan.FromSeconds(7), _ => Math.Round(50 + (random.NextDouble() * 60), 2));
        await store.WriteAsync(points, Ct);
        var window = TimeSpan.FromMinutes(2);

        // From is not on a window boundary: the first window still starts at its epoch-aligned boundary.
        var from = Vitals.Start.AddSeconds(45);
        var to = Vitals.Start.AddMinutes(20);
        var series = Assert.Single(await store.QueryAsync(new HistoryQuery(patient, [Vitals.HeartRate], from, to, window), Ct));

        var expected = points
            .Where(p => p.ObservedAt >= from && p.ObservedAt < to)
            .GroupBy(p => DateTimeOffset.UnixEpoch.AddTicks((p.ObservedAt - DateTimeOffset.UnixEpoch).Ticks / window.Ticks * window.Ticks))
            .OrderBy(g => g.Key)
            .ToList();
        Assert.Equal(expected.Count, series.Points.Count);
        foreach (var (group, actual) in expected.Zip(series.Points))
        {
            Assert.Equal(group.Key, actual.Time);
            Assert.Equal(group.Average(p => p.Value), actual.Mean, 9);
            Assert.Equal(group.Min(p => p.Value), actual.Min);
            Assert.Equal(group.Max(p => p.Value), actual.Max);
            Assert.Equal(group.Count(), actual.Count);
        }

        Assert.Equal(Vitals.Start, series.Points[0].Time);
    }

    [Fact]
    public async Task Empty_windows_are_left_out()
    {
        var store = NewStore();
        var patient = Vitals.NewPatient();
        await store.WriteAsync(
        [
            new VitalPoint(patient, Vitals.HeartRate, 60, "/min", Vitals.Start, "monitor-1"),
            new VitalPoint(patient, Vitals.HeartRate, 80, "/min", Vitals.Start.AddMinutes(10), "monitor-1"),
        ], Ct);

        var series = Assert.Single(await store.QueryAsync(new HistoryQuery(patient, [], Vitals.Start, Vitals.Start.AddHours(1), TimeSpan.FromMinutes(1)), Ct));

        Assert.Equal([Vitals.Start, Vitals.Start.AddMinutes(10)], series.Points.Select(p => p.Time));
    }

    [Fact]
    public async Task Vitals_filter_returns_only_the_codes_asked_for()
    {
        var store = NewStore();
        var patient = Vitals.NewPatient();
        await store.WriteAsync(
        [
            .. Vitals.Series(patient, Vitals.HeartRate, 5, TimeSpan.FromSeconds(10), i => 70 + i),
            .. Vitals.Series(patient, Vitals.RespiratoryRate, 5, TimeSpan.FromSeconds(10), i => 14 + i),
            .. Vitals.Series(patient, Vitals.SpO2, 5, TimeSpan.FromSeconds(10), i => 95 + (i * 0.5)),
        ], Ct);

        var some = await store.QueryAsync(Vitals.Raw(patient, Vitals.SpO2, Vitals.HeartRate), Ct);
        var all = await store.QueryAsync(Vitals.Raw(patient), Ct);

        // Series are ordered by code, as InfluxDB orders tag groups.
        Assert.Equal([Vitals.SpO2, Vitals.HeartRate], some.Select(s => s.Loinc));
        Assert.Equal([95.0, 95.5, 96.0, 96.5, 97.0], some[0].Points.Select(p => p.Mean));
        Assert.Equal([Vitals.SpO2, Vitals.HeartRate, Vitals.RespiratoryRate], all.Select(s => s.Loinc));
        Assert.All(all, s => Assert.Equal(5, s.Points.Count));
    }

    [Fact]
    public async Task The_range_includes_From_and_excludes_To()
    {
        var store = NewStore();
        var patient = Vitals.NewPatient();
        await store.WriteAsync(Vitals.Series(patient, Vitals.HeartRate, 10, TimeSpan.FromMinutes(1), i => i), Ct);

        var series = Assert.Single(await store.QueryAsync(new HistoryQuery(patient, [], Vitals.Start.AddMinutes(2), Vitals.Start.AddMinutes(5), null), Ct));

        Assert.Equal([2.0, 3.0, 4.0], series.Points.Select(p => p.Mean));
    }

    [Fact]
    public async Task Unknown_patient_has_no_history()
    {
        var store = NewStore();

        Assert.Empty(await store.QueryAsync(Vitals.Raw(Vitals.NewPatient()), Ct));
    }

    [Theory]
    [InlineData("Ward 7, \"Bed\" 3=O'Brien")]
    [InlineData("a\\b c")]
    [InlineData("x,y=z")]
    [InlineData("' OR \"patient\" =~ /.*/ --")]
    [InlineData("患者 ünïcødé")]
    public async Task Odd_identifiers_round_trip_without_leaking_into_other_patients(string oddPart)
    {
        var store = NewStore();
        var plain = Vitals.NewPatient();
        var odd = $"{plain}{oddPart}";
        var oddLoinc = $"local code, {oddPart}";
        await store.WriteAsync(
        [
            new VitalPoint(plain, Vitals.HeartRate, 60, "/min", Vitals.Start, "monitor 1"),
            new VitalPoint(odd, Vitals.HeartRate, 61, "mm\"Hg\\", Vitals.Start, $"device {oddPart}"),
            new VitalPoint(odd, oddLoinc, 62, "/min", Vitals.Start.AddSeconds(1), $"device {oddPart}"),
        ], Ct);

        var oddSeries = await store.QueryAsync(Vitals.Raw(odd), Ct);
        var plainSeries = await store.QueryAsync(Vitals.Raw(plain), Ct);
        var oddFiltered = await store.QueryAsync(Vitals.Raw(odd, oddLoinc), Ct);

        Assert.Equal([(Vitals.HeartRate, 61.0), (oddLoinc, 62.0)], oddSeries.Select(s => (s.Loinc, Assert.Single(s.Points).Mean)).OrderBy(s => s.Item2));
        Assert.Equal(60, Assert.Single(Assert.Single(plainSeries).Points).Mean);
        Assert.Equal(62, Assert.Single(Assert.Single(oddFiltered).Points).Mean);
    }

    public static TheoryData<string, HistoryQuery> InvalidQueries => new()
    {
        { "empty patient", new HistoryQuery(" ", [], Vitals.Start, Vitals.Start.AddHours(1), null) },
        { "From after To", new HistoryQuery("p", [], Vitals.Start.AddHours(1), Vitals.Start, null) },
        { "From equals To", new HistoryQuery("p", [], Vitals.Start, Vitals.Start, null) },
        { "zero window", new HistoryQuery("p", [], Vitals.Start, Vitals.Start.AddHours(1), TimeSpan.Zero) },
        { "negative window", new HistoryQuery("p", [], Vitals.Start, Vitals.Start.AddHours(1), TimeSpan.FromSeconds(-1)) },
        { "range over the maximum", new HistoryQuery("p", [], Vitals.Start.AddYears(-3), Vitals.Start, null) },
        { "window count over the cap", new HistoryQuery("p", [], Vitals.Start, Vitals.Start.AddDays(30), TimeSpan.FromSeconds(1)) },
        { "empty code", new HistoryQuery("p", [""], Vitals.Start, Vitals.Start.AddHours(1), null) },
        { "code with a line break", new HistoryQuery("p", ["8867-4\nDROP"], Vitals.Start, Vitals.Start.AddHours(1), null) },
        { "before InfluxDB's first nanosecond", new HistoryQuery("p", [], new DateTimeOffset(1600, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(1600, 1, 2, 0, 0, 0, TimeSpan.Zero), null) },
    };

    [Theory]
    [MemberData(nameof(InvalidQueries))]
    public async Task Malformed_queries_are_refused_with_a_message(string reason, HistoryQuery query)
    {
        var store = NewStore();

        var refused = await Assert.ThrowsAsync<InvalidHistoryQueryException>(() => store.QueryAsync(query, Ct));

        Assert.IsAssignableFrom<ArgumentException>(refused);
        Assert.False(string.IsNullOrWhiteSpace(refused.Message), reason);
    }

    [Fact]
    public async Task A_query_matching_more_points_than_allowed_is_refused()
    {
        var store = NewStore(new Dictionary<string, string?> { ["History:MaxPointsPerQuery"] = "10" });
        var patient = Vitals.NewPatient();
        await store.WriteAsync(
        [
            .. Vitals.Series(patient, Vitals.HeartRate, 6, TimeSpan.FromSeconds(1), i => i),
            .. Vitals.Series(patient, Vitals.SpO2, 5, TimeSpan.FromSeconds(1), i => i),
        ], Ct);

        var refused = await Assert.ThrowsAsync<InvalidHistoryQueryException>(() => store.QueryAsync(Vitals.Raw(patient), Ct));
        var fits = await store.QueryAsync(Vitals.Raw(patient, Vitals.HeartRate), Ct);

        Assert.Contains("more than 10 points", refused.Message, StringComparison.Ordinal);
        Assert.Equal(6, Assert.Single(fits).Points.Count);
    }

    public static TheoryData<string, VitalPoint> InvalidPoints => new()
    {
        { "NaN value", new VitalPoint("p", Vitals.HeartRate, double.NaN, "/min", Vitals.Start, "d") },
        { "infinite value", new VitalPoint("p", Vitals.HeartRate, double.PositiveInfinity, "/min", Vitals.Start, "d") },
        { "empty device", new VitalPoint("p", Vitals.HeartRate, 1, "/min", Vitals.Start, "") },
        { "patient ending in a backslash", new VitalPoint("p\\", Vitals.HeartRate, 1, "/min", Vitals.Start, "d") },
        { "patient with a line break", new VitalPoint("p\nq", Vitals.HeartRate, 1, "/min", Vitals.Start, "d") },
        { "unit with a line break", new VitalPoint("p", Vitals.HeartRate, 1, "/\nmin", Vitals.Start, "d") },
    };

    [Theory]
    [MemberData(nameof(InvalidPoints))]
    public async Task A_batch_with_an_unstorable_point_is_refused_whole(string reason, VitalPoint bad)
    {
        var store = NewStore();
        var patient = Vitals.NewPatient();
        var good = new VitalPoint(patient, Vitals.HeartRate, 70, "/min", Vitals.Start, "d");

        var refused = await Assert.ThrowsAsync<InvalidVitalPointException>(() => store.WriteAsync([good, bad], Ct));

        Assert.Contains("Point 1", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(patient, refused.Message, StringComparison.Ordinal);
        Assert.Empty(await store.QueryAsync(Vitals.Raw(patient), Ct));
        Assert.NotNull(reason);
    }
}
