drop table raw.{partition};
