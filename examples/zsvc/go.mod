module example.com/zsvc

go 1.22
