using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState.Tests;

public class TwinRegistryTests
{
    private readonly TwinRegistry _registry = new();

    [Fact]
    public void Get_or_create_returns_the_same_twin_for_the_same_patient()
    {
        var first = _registry.GetOrCreate("patient-1");
        var second = _registry.GetOrCreate("patient-1");

        Assert.Same(first, second);
        Assert.Equal(1, _registry.Count);
        Assert.True(_registry.TryGet("patient-1", out var found));
        Assert.Same(first, found);
        Assert.False(_registry.TryGet("PATIENT-1", out _));
    }

    [Fact]
    public void Page_orders_by_patient_id_ordinal()
    {
        string[] ids = ["b", "a", "B", "a-2", "A", "_", "10", "9"];
        foreach (var id in ids)
        {
            _registry.GetOrCreate(id);
        }

        var page = _registry.Page(afterPatientId: null, pageSize: ids.Length);

        Assert.Equal(["10", "9", "A", "B", "_", "a", "a-2", "b"], page.Select(t => t.PatientId));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(25)]
    public void Paging_with_the_after_cursor_visits_every_twin_once_in_order(int pageSize)
    {
        var ids = Enumerable.Range(0, 25).Select(i => $"patient-{i * 7 % 25:00}").ToList();
        foreach (var id in ids)
        {
            _registry.GetOrCreate(id);
        }

        var visited = new List<string>();
        string? after = null;
        var pages = 0;
        IReadOnlyList<TwinSnapshot> page;
        // Bounded, so a cursor that never advances fails instead of looping forever.
        while ((page = _registry.Page(after, pageSize)).Count > 0 && pages <= ids.Count)
        {
            Assert.InRange(page.Count, 1, pageSize);
            visited.AddRange(page.Select(t => t.PatientId));
            after = page[^1].PatientId;
            pages++;
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), visited);
        Assert.Equal((ids.Count + pageSize - 1) / pageSize, pages);
    }

    [Fact]
    public void A_cursor_that_names_no_twin_starts_after_where_it_would_sort()
    {
        foreach (var id in new[] { "p-1", "p-3", "p-5" })
        {
            _registry.GetOrCreate(id);
        }

        var page = _registry.Page("p-2", pageSize: 10);

        Assert.Equal(["p-3", "p-5"], page.Select(t => t.PatientId));
    }

    [Fact]
    public void A_page_carries_each_twin_snapshot()
    {
        _registry.GetOrCreate("patient-1").Apply(Readings.HeartRate(125, sequence: 1));
        _registry.GetOrCreate("patient-2");

        var page = _registry.Page(afterPatientId: null, pageSize: 10);

        Assert.Equal(1ul, page[0].ReadingsApplied);
        Assert.Equal(2, page[0].News2.Total);
        Assert.Equal(0ul, page[1].ReadingsApplied);
        Assert.Empty(page[1].Latest);
    }

    [Fact]
    public void A_page_can_be_limited_to_one_ward()
    {
        foreach (var (id, ward) in new[] { ("p-1", "ward-7"), ("p-2", "ward-3"), ("p-3", "ward-7"), ("p-4", null) })
        {
            _registry.GetOrCreate(id).SetContext(new PatientContext(Ward: ward));
        }

        var firstPage = _registry.Page(afterPatientId: null, pageSize: 1, ward: "ward-7");
        var secondPage = _registry.Page(firstPage[^1].PatientId, pageSize: 10, ward: "ward-7");

        Assert.Equal(["p-1"], firstPage.Select(t => t.PatientId));
        Assert.Equal(["p-3"], secondPage.Select(t => t.PatientId));
    }

    [Fact]
    public void Refreshing_staleness_names_the_patients_whose_twin_changed()
    {
        _registry.GetOrCreate("quiet").Apply(Readings.HeartRate(72, sequence: 1, atSecond: 0));
        _registry.GetOrCreate("busy").Apply(Readings.HeartRate(72, sequence: 1, atSecond: 550));
        _registry.GetOrCreate("empty");

        var changed = _registry.RefreshStaleness(Readings.Start.AddMinutes(10));

        Assert.Equal(["quiet"], changed.Select(t => t.PatientId));
        Assert.True(_registry.Remove("quiet"));
        Assert.False(_registry.TryGet("quiet", out _));
    }

    [Fact]
    public void Twins_share_the_registry_settings()
    {
        var registry = new TwinRegistry(TwinSettings.Default with { DefaultStaleAfter = TimeSpan.FromSeconds(30), StaleAfter = new Dictionary<VitalTwin.Clinical.VitalSign, TimeSpan>() });
        registry.GetOrCreate("patient-1").Apply(Readings.HeartRate(72, sequence: 1, atSecond: 0));

        Assert.Equal(["patient-1"], registry.RefreshStaleness(Readings.Start.AddMinutes(1)).Select(t => t.PatientId));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TwinRegistry(TwinSettings.Default with { TrendPoints = 1 }));
    }
}
