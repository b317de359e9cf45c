using Rampart.Core.Evaluation;

namespace Rampart.Core.Tests.Evaluation;

public sealed class CallCounterTests
{
    static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Counts_calls_inside_an_inclusive_window()
    {
        var counter = new CallCounter();
        counter.TryRecord("fetch", T0);
        counter.TryRecord("fetch", T0.AddSeconds(30));
        counter.TryRecord("fetch", T0.AddSeconds(60));
        counter.TryRecord("exec", T0.AddSeconds(60));
        Assert.Equal(3, counter.Count("fetch", T0, T0.AddSeconds(60)));
        Assert.Equal(2, counter.Count("fetch", T0.AddSeconds(1), T0.AddSeconds(60)));
        Assert.Equal(0, counter.Count("read", T0, T0.AddDays(1)));
    }

    [Fact]
    public void Keeps_only_the_newest_thousand_calls_per_tool()
    {
        var counter = new CallCounter();
        for (var i = 0; i < 1005; i++) Assert.True(counter.TryRecord("fetch", T0.AddMilliseconds(i)));
        Assert.Equal(1000, counter.Count("fetch", T0, T0.AddSeconds(10)));
        Assert.Equal(0, counter.Count("fetch", T0, T0.AddMilliseconds(4)));
    }

    [Fact]
    public void Drops_calls_older_than_thirty_days()
    {
        var counter = new CallCounter();
        counter.TryRecord("fetch", T0);
        counter.TryRecord("fetch", T0.AddDays(31));
        Assert.Equal(1, counter.Count("fetch", T0.AddYears(-1), T0.AddYears(1)));
    }

    [Fact]
    public void Rejects_long_names_and_more_than_1024_tools()
    {
        var counter = new CallCounter();
        Assert.False(counter.TryRecord(new string('x', 257), T0));
        Assert.True(counter.TryRecord(new string('x', 256), T0));
        for (var i = 1; i < 1024; i++) Assert.True(counter.TryRecord("tool" + i, T0));
        Assert.False(counter.TryRecord("one-too-many", T0));
        // Once the old entries have aged out the table has room again.
        Assert.True(counter.TryRecord("one-too-many", T0.AddDays(31)));
    }

    [Fact]
    public void Export_and_import_round_trip()
    {
        var counter = new CallCounter();
        counter.TryRecord("fetch", T0);
        counter.TryRecord("fetch", T0.AddSeconds(1));
        var copy = new CallCounter();
        copy.Import(counter.Export(), T0.AddSeconds(2));
        Assert.Equal(2, copy.Count("fetch", T0, T0.AddSeconds(2)));
        Assert.Equal(2, copy.Snapshot()["fetch"]);
    }
}
