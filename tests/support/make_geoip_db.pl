#!/usr/bin/perl
# Writes a small MaxMind DB file for the geographic and performance routing
# tests, in the layout of GeoLite2-City (country, continent, subdivisions,
# location), with networks from 198.18.0.0/15 and 2001:db8::/32 only.
#
#   make_geoip_db.pl OUT.mmdb [moved|country]
#
# "moved" writes the same file with 198.18.5.0/24 moved from Japan to
# Germany: the test swaps it in while queries run. "country" leaves the
# coordinates out, as a Country database does.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($out, $variant) = @ARGV;
die "usage: $0 OUT.mmdb [moved]\n" unless $out;
$variant //= '';

my %types = (
  country => 'map', continent => 'map', subdivisions => ['array', 'map'],
  iso_code => 'utf8_string', code => 'utf8_string',
  location => 'map', latitude => 'double', longitude => 'double',
);
my $tree = MaxMind::DB::Writer::Tree->new(
  ip_version => 6,
  record_size => 28,
  database_type => 'gtm-test-City',
  languages => ['en'],
  description => { en => 'gtm geographic routing test data' },
  map_key_type_callback => sub { $types{ $_[0] } },
  remove_reserved_networks => 0,   # every test network is reserved space
  alias_ipv6_to_ipv4 => 1,
);

# A city's record; without coordinates ($lat undefined) as a Country
# database has it.
sub place {
  my ($country, $continent, $subdivision, $lat, $lon) = @_;
  my %r = (country => { iso_code => $country }, continent => { code => $continent });
  $r{subdivisions} = [{ iso_code => $subdivision }] if $subdivision;
  $r{location} = { latitude => $lat, longitude => $lon } if defined $lat && $variant ne 'country';
  return \%r;
}

my @networks = (
  ['198.18.1.0/24', place('DE', 'EU', 'BY', 48.14, 11.58)],     # Munich
  ['198.18.2.0/24', place('FR', 'EU', undef, 48.86, 2.35)],     # Paris
  ['198.18.3.0/24', place('US', 'NA', 'CA', 37.77, -122.42)],   # San Francisco
  ['198.18.4.0/24', place('US', 'NA', 'NY', 40.71, -74.01)],    # New York
  ['198.18.5.0/24', $variant eq 'moved' ? place('DE', 'EU', undef, 52.52, 13.40)   # Berlin
                                        : place('JP', 'AS', undef, 35.68, 139.69)], # Tokyo
  ['198.18.6.0/25', place('BR', 'SA', undef, -23.55, -46.63)],  # Sao Paulo
  ['198.18.7.0/24', place('AU', 'OC', undef, -33.87, 151.21)],  # Sydney
  ['198.18.8.0/24', place('CA', 'NA')],                          # no coordinates
  ['2001:db8:1::/48', place('DE', 'EU', 'BY', 48.14, 11.58)],
  ['2001:db8:3::/48', place('US', 'NA', 'CA', 37.77, -122.42)],
);
$tree->insert_network($_->[0], $_->[1]) for @networks;
open my $fh, '>:raw', $out or die "cannot write $out: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot write $out: $!\n";
