namespace VitalTwin.TwinState.Snapshots.Tests;

/// <summary>What every <see cref="ISnapshotStore"/> does, run against each implementation.</summary>
public abstract class SnapshotStoreContract : IAsyncLifetime
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    // One deadline for the whole test: a hung store fails the test instead of hanging the run.
    private readonly CancellationTokenSource _deadline = new(Patience);
    private ISnapshotStore? _store;

    protected ISnapshotStore Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    protected CancellationToken Timeout => _deadline.Token;

    public async Task InitializeAsync() => _store = await CreateStoreAsync(Timeout);

    public async Task DisposeAsync()
    {
        await DisposeStoreAsync();
        _deadline.Dispose();
    }

    protected abstract Task<ISnapshotStore> CreateStoreAsync(CancellationToken ct);

    protected abstract ValueTask DisposeStoreAsync();

    protected static Snapshot Twin(string key, params byte[] data) => new(key, data);

    [Fact]
    public async Task Saved_binary_data_loads_back_byte_for_byte()
    {
        var everyByte = Enumerable.Range(0, 512).Select(i => (byte)(i % 256)).ToArray();

        await Store.SaveAsync([Twin("patient-1", everyByte)], Timeout);
        var loaded = await Store.LoadAsync(["patient-1"], Timeout);

        var snapshot = Assert.Single(loaded);
        Assert.Equal("patient-1", snapshot.Key);
        Assert.Equal(everyByte, snapshot.Data.ToArray());
        Assert.False(string.IsNullOrEmpty(snapshot.ETag));
    }

    [Fact]
    public async Task Bulk_load_leaves_out_missing_keys_and_keeps_the_requested_order()
    {
        await Store.SaveAsync([Twin("patient-1", 1), Twin("patient-3", 3)], Timeout);

        var loaded = await Store.LoadAsync(["patient-3", "patient-2", "patient-1", "patient-3"], Timeout);

        Assert.Equal(["patient-3", "patient-1"], loaded.Select(s => s.Key));
        Assert.Equal([3], loaded[0].Data.ToArray());
        Assert.Equal([1], loaded[1].Data.ToArray());
    }

    [Fact]
    public async Task Loading_only_missing_keys_or_none_returns_nothing()
    {
        Assert.Empty(await Store.LoadAsync(["nobody"], Timeout));
        Assert.Empty(await Store.LoadAsync([], Timeout));
    }

    [Fact]
    public async Task Empty_data_is_a_snapshot_and_not_a_missing_key()
    {
        await Store.SaveAsync([Twin("patient-1")], Timeout);

        var snapshot = Assert.Single(await Store.LoadAsync(["patient-1"], Timeout));
        Assert.True(snapshot.Data.IsEmpty);
    }

    [Fact]
    public async Task A_second_save_overwrites_the_first_and_changes_the_etag()
    {
        await Store.SaveAsync([Twin("patient-1", 1, 1)], Timeout);
        var first = Assert.Single(await Store.LoadAsync(["patient-1"], Timeout));

        await Store.SaveAsync([Twin("patient-1", 2)], Timeout);
        var second = Assert.Single(await Store.LoadAsync(["patient-1"], Timeout));

        Assert.Equal([2], second.Data.ToArray());
        Assert.NotEqual(first.ETag, second.ETag);
    }

    [Fact]
    public async Task Saving_with_the_current_etag_succeeds()
    {
        await Store.SaveAsync([Twin("patient-1", 1)], Timeout);
        var loaded = Assert.Single(await Store.LoadAsync(["patient-1"], Timeout));

        await Store.SaveAsync([loaded with { Data = new byte[] { 2 } }], Timeout);

        Assert.Equal([2], Assert.Single(await Store.LoadAsync(["patient-1"], Timeout)).Data.ToArray());
    }

    [Fact]
    public async Task Saving_with_a_stale_etag_is_a_conflict_and_keeps_the_stored_snapshot()
    {
        await Store.SaveAsync([Twin("patient-1", 1)], Timeout);
        var stale = Assert.Single(await Store.LoadAsync(["patient-1"], Timeout));
        await Store.SaveAsync([Twin("patient-1", 2)], Timeout);

        await Assert.ThrowsAsync<SnapshotConflictException>(() => Store.SaveAsync([stale with { Data = new byte[] { 3 } }], Timeout));

        Assert.Equal([2], Assert.Single(await Store.LoadAsync(["patient-1"], Timeout)).Data.ToArray());
    }

    [Fact]
    public async Task Delete_removes_the_snapshot_and_a_missing_key_is_no_error()
    {
        await Store.SaveAsync([Twin("patient-1", 1), Twin("patient-2", 2)], Timeout);

        await Store.DeleteAsync("patient-1", Timeout);
        await Store.DeleteAsync("nobody", Timeout);

        Assert.Equal(["patient-2"], (await Store.LoadAsync(["patient-1", "patient-2"], Timeout)).Select(s => s.Key));
    }

    [Fact]
    public async Task Many_snapshots_round_trip_in_one_call()
    {
        var twins = Enumerable.Range(0, 25).Select(i => Twin($"patient-{i}", (byte)i)).ToArray();

        await Store.SaveAsync(twins, Timeout);
        var loaded = await Store.LoadAsync([.. twins.Select(t => t.Key)], Timeout);

        Assert.Equal(twins.Select(t => t.Key), loaded.Select(s => s.Key));
        Assert.Equal(twins.Select(t => t.Data.ToArray()), loaded.Select(s => s.Data.ToArray()));
    }

    [Fact]
    public async Task Concurrent_saves_all_land()
    {
        await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Store.SaveAsync([Twin($"patient-{i}", (byte)i)], Timeout)));

        var loaded = await Store.LoadAsync([.. Enumerable.Range(0, 32).Select(i => $"patient-{i}")], Timeout);
        Assert.Equal(32, loaded.Count);
    }

    [Fact]
    public async Task A_save_repeating_a_key_is_rejected_before_anything_is_written()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SaveAsync([Twin("patient-1", 1), Twin("patient-1", 2)], Timeout));

        Assert.Empty(await Store.LoadAsync(["patient-1"], Timeout));
    }

    [Fact]
    public async Task A_cancelled_token_stops_every_operation()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.SaveAsync([Twin("patient-1", 1)], cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.LoadAsync(["patient-1"], cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.DeleteAsync("patient-1", cancelled.Token));

        Assert.Empty(await Store.LoadAsync(["patient-1"], Timeout));
    }

    [Fact]
    public async Task A_partition_loads_back_the_twins_it_saved()
    {
        await Store.SavePartitionAsync(3, [Twin("patient-1", 1), Twin("patient-2", 2)], Timeout);
        await Store.SavePartitionAsync(4, [Twin("patient-9", 9)], Timeout);

        var loaded = await Store.LoadPartitionAsync(3, Timeout);

        Assert.Equal(["patient-1", "patient-2"], loaded.Select(s => s.Key));
        Assert.Equal([2], loaded[1].Data.ToArray());
    }

    [Fact]
    public async Task A_partition_never_saved_loads_empty()
    {
        Assert.Empty(await Store.LoadPartitionAsync(7, Timeout));
    }

    [Fact]
    public async Task Saving_a_partition_again_replaces_its_index()
    {
        await Store.SavePartitionAsync(0, [Twin("patient-1", 1), Twin("patient-2", 2)], Timeout);
        await Store.SavePartitionAsync(0, [Twin("patient-2", 22)], Timeout);

        var loaded = Assert.Single(await Store.LoadPartitionAsync(0, Timeout));
        Assert.Equal("patient-2", loaded.Key);
        Assert.Equal([22], loaded.Data.ToArray());

        await Store.SavePartitionAsync(0, [], Timeout);
        Assert.Empty(await Store.LoadPartitionAsync(0, Timeout));
    }

    [Fact]
    public async Task A_partition_skips_twins_deleted_since_it_was_saved()
    {
        await Store.SavePartitionAsync(1, [Twin("patient-1", 1), Twin("patient-2", 2)], Timeout);
        await Store.DeleteAsync(PartitionSnapshots.TwinKey("patient-1"), Timeout);

        Assert.Equal(["patient-2"], (await Store.LoadPartitionAsync(1, Timeout)).Select(s => s.Key));
    }

    [Fact]
    public async Task A_patient_whose_id_is_a_partition_index_key_neither_breaks_its_partition_nor_another()
    {
        await Store.SavePartitionAsync(5, [Twin("patient-9", 9)], Timeout);
        await Store.SavePartitionAsync(2, [Twin(PartitionSnapshots.IndexKey(2), 2), Twin(PartitionSnapshots.IndexKey(5), 5), Twin("patient-1", 1)], Timeout);

        var two = await Store.LoadPartitionAsync(2, Timeout);
        var five = await Store.LoadPartitionAsync(5, Timeout);
        await Store.RemoveFromPartitionAsync(2, PartitionSnapshots.IndexKey(5), Timeout);

        Assert.Equal([(PartitionSnapshots.IndexKey(2), 2), (PartitionSnapshots.IndexKey(5), 5), ("patient-1", 1)], two.Select(s => (s.Key, (int)s.Data.Span[0])));
        Assert.Equal([("patient-9", 9)], five.Select(s => (s.Key, (int)s.Data.Span[0])));
        Assert.Equal([PartitionSnapshots.IndexKey(2), "patient-1"], (await Store.LoadPartitionAsync(2, Timeout)).Select(s => s.Key));
        Assert.Equal(["patient-9"], (await Store.LoadPartitionAsync(5, Timeout)).Select(s => s.Key));
    }

    [Fact]
    public async Task Twins_the_previous_version_stored_under_bare_patient_ids_are_restored_erased_and_saved_again_under_twin_keys()
    {
        // As the previous version left them: each twin under its patient id, the index naming those ids.
        await Store.SaveAsync([Twin("patient-1", 1), Twin("patient-2", 2), Twin("patient-3", 3)], Timeout);
        await Store.SaveAsync([new Snapshot(PartitionSnapshots.IndexKey(4), "{\"keys\":[\"patient-1\",\"patient-2\",\"patient-3\"]}"u8.ToArray())], Timeout);

        var restored = await Store.LoadPartitionAsync(4, Timeout);
        await Store.RemoveFromPartitionAsync(4, "patient-1", Timeout);
        var afterErasure = await Store.LoadPartitionAsync(4, Timeout);
        await Store.SavePartitionAsync(4, [Twin("patient-2", 22)], Timeout);

        Assert.Equal([("patient-1", 1), ("patient-2", 2), ("patient-3", 3)], restored.Select(s => (s.Key, (int)s.Data.Span[0])));
        Assert.Equal(["patient-2", "patient-3"], afterErasure.Select(s => s.Key));
        Assert.Empty(await Store.LoadAsync(["patient-1", PartitionSnapshots.TwinKey("patient-1")], Timeout));
        Assert.Equal([("patient-2", 22)], (await Store.LoadPartitionAsync(4, Timeout)).Select(s => (s.Key, (int)s.Data.Span[0])));
    }

    [Fact]
    public async Task The_index_names_the_stored_keys_so_the_previous_version_loads_what_this_one_saved()
    {
        await Store.SavePartitionAsync(3, [Twin("patient-1", 1), Twin("patient-2", 2)], Timeout);

        // The previous version read the index's keys and loaded them as they are.
        var index = Assert.Single(await Store.LoadAsync([PartitionSnapshots.IndexKey(3)], Timeout));
        using var json = System.Text.Json.JsonDocument.Parse(index.Data);
        var keys = json.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetString()!).ToList();

        Assert.Equal([PartitionSnapshots.TwinKey("patient-1"), PartitionSnapshots.TwinKey("patient-2")], keys);
        Assert.Equal([1, 2], (await Store.LoadAsync(keys, Timeout)).Select(s => (int)s.Data.Span[0]));
    }

    [Fact]
    public async Task A_twin_removed_from_its_partition_is_gone_from_the_index_and_the_store_and_the_others_stay()
    {
        await Store.SavePartitionAsync(5, [Twin("patient-1", 1), Twin("patient-2", 2)], Timeout);

        await Store.RemoveFromPartitionAsync(5, "patient-1", Timeout);
        await Store.RemoveFromPartitionAsync(5, "patient-1", Timeout);

        Assert.Equal(["patient-2"], (await Store.LoadPartitionAsync(5, Timeout)).Select(s => s.Key));
        Assert.Empty(await Store.LoadAsync(["patient-1"], Timeout));
        var index = Assert.Single(await Store.LoadAsync([PartitionSnapshots.IndexKey(5)], Timeout));
        Assert.DoesNotContain("patient-1", System.Text.Encoding.UTF8.GetString(index.Data.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Removing_a_twin_from_a_partition_never_saved_deletes_its_snapshot_all_the_same()
    {
        await Store.SaveAsync([Twin(PartitionSnapshots.TwinKey("patient-orphan"), 7)], Timeout);

        await Store.RemoveFromPartitionAsync(6, "patient-orphan", Timeout);

        Assert.Empty(await Store.LoadAsync([PartitionSnapshots.TwinKey("patient-orphan")], Timeout));
        Assert.Empty(await Store.LoadPartitionAsync(6, Timeout));
    }
}
