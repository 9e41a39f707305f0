using Pool.Master.Scheduling;

namespace Pool.Master.Tests.Scheduling;

/// <summary>Clock edges of recurring entries, on fixed instants (no waiting).</summary>
public sealed class RecurrenceTests
{
    private static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("1M", 30 * 86_400)] // rufus-scheduler's month: a migrated monthly entry must not run every minute
    [InlineData("1m", 60)]
    [InlineData("1y", 365 * 86_400)]
    [InlineData("1w2d", 9 * 86_400)]
    [InlineData("1h30m", 5_400)]
    [InlineData("90", 90)]
    public void Durations_read_units_as_rufus_scheduler_does(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
    }

    [Theory]
    [InlineData("1H")] // rufus refuses an upper-case unit other than M
    [InlineData("1S")]
    [InlineData("1D")]
    [InlineData("2y")] // over a year
    public void Durations_refuse_what_rufus_scheduler_would_not_read_as_meant(string text) =>
        Assert.False(Durations.TryParse(text, out _));

    /// <summary>`every: 99999999999d` and `--in 99999999999d` were "not a duration", which they are: too long ones.</summary>
    [Theory]
    [InlineData("2y", true)]
    [InlineData("99999999999d", true)]
    [InlineData("99999999999999", true)]
    [InlineData("1e400", true)]
    [InlineData("367d", true)]
    [InlineData("366d", false)]
    [InlineData("soon", false)]
    [InlineData("1H", false)]
    [InlineData("-5", false)]
    public void Durations_past_366_days_are_told_apart_from_text_that_is_no_duration(string text, bool tooLarge)
    {
        var read = Durations.TryParse(text, out _, out var isTooLarge);
        Assert.Equal(tooLarge, isTooLarge);
        Assert.Equal(text == "366d", read);
    }

    [Fact]
    public void An_every_past_366_days_says_it_is_too_large() =>
        Assert.StartsWith("'9999d' is too large: at most 366 days (366d)", Assert.Throws<FormatException>(() => EveryRecurrence.Parse("9999d")).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("0 3 * * * EST5EDT", "EST5EDT")]
    [InlineData("0 3 * * * utc", "UTC")]
    [InlineData("0 3 * * * Europe/Berlin", "Europe/Berlin")]
    [InlineData("0 0 3 * * MON-FRI", "UTC")] // six fields, the last a weekday: no zone
    [InlineData("0 0 3 * * SUN", "UTC")]
    public void A_zone_after_the_cron_fields_is_read_as_rufus_reads_it(string text, string zone)
    {
        Assert.True(File.Exists("/usr/share/zoneinfo/EST5EDT"), "this test needs tzdata");
        Assert.Equal(zone, CronRecurrence.Parse(text, null).Zone.Id, ignoreCase: true);
    }

    [Theory]
    [InlineData("0 3 30 2 *")]
    [InlineData("0 0 31 4,6,9,11 *")]
    public void A_cron_no_date_matches_is_refused_with_the_fix(string cron)
    {
        var e = Assert.Throws<FormatException>(() => CronRecurrence.Parse(cron, null));
        Assert.Contains("never fires", e.Message);
        // The 29th of February does come round.
        Assert.NotNull(CronRecurrence.Parse("0 3 29 2 *", null).Next(DateTimeOffset.UtcNow));
    }

    [Fact]
    public void A_zone_given_twice_says_so()
    {
        var e = Assert.Throws<FormatException>(() => CronRecurrence.Parse("0 3 * * * Europe/Berlin", "Europe/Berlin"));
        Assert.Contains("names a time zone (Europe/Berlin) and so does timezone (Europe/Berlin); give the zone once", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_six_field_cron_at_second_zero_fires_on_the_minute_not_a_moment_early_or_twice()
    {
        var cron = CronRecurrence.Parse("0 * * * * *", null);

        Assert.Equal(Utc("2026-12-01T12:01:00Z"), cron.Next(Utc("2026-12-01T12:00:59.999Z")));
        Assert.Equal(Utc("2026-12-01T12:02:00Z"), cron.Next(Utc("2026-12-01T12:01:00Z")));
        Assert.Equal(Utc("2026-12-01T12:01:00Z"), cron.Latest(Utc("2026-12-01T12:00:00Z"), Utc("2026-12-01T12:01:00Z")));
        Assert.Null(cron.Latest(Utc("2026-12-01T12:01:00Z"), Utc("2026-12-01T12:01:59.999Z")));
    }

    [Fact]
    public void A_berlin_cron_keeps_local_time_across_both_dst_changes_and_fires_once_in_the_repeated_hour()
    {
        Assert.True(File.Exists("/usr/share/zoneinfo/Europe/Berlin"), "this test needs tzdata");
        var cron = CronRecurrence.Parse("30 2 * * * Europe/Berlin", null);

        // Spring forward (29 March 2026): 02:30 does not exist; it fires right after the gap, 03:00 CEST.
        Assert.Equal(Utc("2026-03-28T01:30:00Z"), cron.Next(Utc("2026-03-28T00:00:00Z")));
        Assert.Equal(Utc("2026-03-29T01:00:00Z"), cron.Next(Utc("2026-03-28T01:30:00Z")));
        Assert.Equal(Utc("2026-03-30T00:30:00Z"), cron.Next(Utc("2026-03-29T01:00:00Z")));
        // Fall back (25 October 2026): 02:30 happens twice; it fires once.
        var fires = new List<DateTimeOffset>();
        for (var t = cron.Next(Utc("2026-10-24T00:00:00Z")); t < Utc("2026-10-26T12:00:00Z"); t = cron.Next(t!.Value)) fires.Add(t!.Value);
        Assert.Equal([Utc("2026-10-24T00:30:00Z"), Utc("2026-10-25T00:30:00Z"), Utc("2026-10-26T01:30:00Z")], fires);
    }

    [Fact]
    public void Every_is_anchored_to_the_epoch_and_the_latest_of_a_long_gap_is_found_without_walking_it()
    {
        var every = EveryRecurrence.Parse("1s");
        var start = Stopwatch();

        Assert.Equal(Utc("2026-12-01T12:00:01Z"), every.Next(Utc("2026-12-01T12:00:00.5Z")));
        Assert.Equal(Utc("2026-12-01T12:00:00Z"), every.Latest(Utc("2020-01-01T00:00:00Z"), Utc("2026-12-01T12:00:00.7Z")));
        Assert.Equal(Utc("2026-12-01T00:00:00Z"), CronRecurrence.Parse("0 0 1 * *", null).Latest(Utc("2020-01-01T00:00:00Z"), Utc("2026-12-15T00:00:00Z")));
        Assert.True(start.Elapsed < TimeSpan.FromSeconds(2), $"took {start.Elapsed}");
    }

    private static System.Diagnostics.Stopwatch Stopwatch() => System.Diagnostics.Stopwatch.StartNew();
}
